"""Logs are JSON and never carry exception texts, which quote the data that failed."""
import json
import logging

from runtime.logs import JsonFormatter


def test_exception_texts_are_reduced_to_their_type():
    formatter = JsonFormatter()
    error = ValueError('Failing row contains (Lene Leder, 0101901234)')
    record = logging.LogRecord("nameko.containers", logging.ERROR, __file__, 1,
                               "error handling worker %s: %s", ("worker", error), None)
    try:
        raise error
    except ValueError:
        import sys
        record.exc_info = sys.exc_info()
    line = formatter.format(record)
    assert "Lene" not in line and "0101901234" not in line
    entry = json.loads(line)
    assert entry["message"] == "error handling worker worker: ValueError"
    assert entry["exception"] == "ValueError"


def test_extra_fields_are_kept():
    record = logging.LogRecord("runtime.relay", logging.INFO, __file__, 1, "relay is publishing", (), None)
    record.service = "roles"
    assert json.loads(JsonFormatter().format(record))["service"] == "roles"
