"""Fixtures of the courses tests: an instance running the courses service (and, where a test asks,
the test-only consumer standing in for roles)."""
from __future__ import annotations

import pytest

from tests.support.courses_instance import CoursesInstance


@pytest.fixture
def courses(tmp_path):
    created = CoursesInstance(workdir=tmp_path).create()
    yield created
    created.destroy()


@pytest.fixture
def running(courses):
    courses.start_service("courses")
    return courses
