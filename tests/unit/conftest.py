"""Tests of domain and application rules in-process: no database, no broker. A test here that reaches
for PostgreSQL fails at once instead of quietly becoming slow."""
import psycopg
import pytest


@pytest.fixture(autouse=True)
def no_database(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("a unit test connected to PostgreSQL: it belongs with the e2e tests")

    monkeypatch.setattr(psycopg, "connect", refuse)  # what runtime/db.py calls
    monkeypatch.setattr(psycopg.Connection, "connect", classmethod(refuse))  # what a pool calls
