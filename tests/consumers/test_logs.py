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
    record = logging.LogRecord("runtime.messaging.relay", logging.INFO, __file__, 1, "relay is publishing", (), None)
    record.service = "roles"
    assert json.loads(JsonFormatter().format(record))["service"] == "roles"


def test_national_envelope_sends_neither_actor_nor_the_streams_own_id():
    from runtime.messaging.relay import national_envelope

    person = "0f8f4bde-7a44-4d1c-9d43-2f1d7f0e8a11"
    envelope = {"stream": f"person-{person}", "actor": "user-7", "event_id": "e", "payload": {}}
    sent = national_envelope(envelope)
    assert person not in json.dumps(sent) and "user-7" not in json.dumps(sent)
    assert sent["stream"].startswith("person-") and sent == national_envelope(envelope)
