"""What leaves an instance for the national level: national contracts hold no personal field, no free
text and no raw ids; persons appear only as pseudonyms keyed by a secret of the instance."""
import re
import uuid

import pytest
from marshmallow import Schema, fields, validate

import contracts
from contracts import registry
from contracts.personal import PersonRef, Personal, national_violations
from runtime.privacy import pseudonym
from contracts.cpr import CprNumber
from runtime.instance_secrets import ConfigurationError
from runtime.privacy.pseudonym import Pseudonym

SECRET_A, SECRET_B = b"a" * 32, b"b" * 32


def test_every_national_contract_is_free_of_personal_data():
    national = [c for c in contracts.all_contracts() if c.national]
    assert national, "no national contract registered: this test would check nothing"
    for c in national:
        assert contracts.personal_fields(c.schema) == [], f"{c.type} v{c.version}"
        assert national_violations(c.schema) == [], f"{c.type} v{c.version}"


class Safe(Schema):
    person = Pseudonym(required=True)
    support_mode = fields.String(validate=validate.OneOf(["individual", "group"]))
    count = fields.Integer()
    on = fields.Date()
    template_id = fields.String(metadata={"national_safe": "a national template id"})
    code = fields.String(validate=validate.Regexp(r"^[0-9a-f]{64}$"))


@pytest.mark.parametrize("field, why", [
    (fields.String(metadata={"personal": True}), "personal"),
    (Personal(fields.String(), subject="person_id"), "personal"),
    (CprNumber(), "personal"),
    (fields.Nested(PersonRef), "personal"),
    (fields.String(), "accepts"),                             # free text: a name fits
    (fields.String(validate=validate.Length(max=200)), "accepts"),
    (fields.Email(), "accepts"),
    (fields.UUID(), "accepts"),                               # a raw person id
    (fields.List(fields.String()), "accepts"),
    (fields.Dict(), "free-form"),
], ids=["marked-personal", "Personal", "CprNumber", "PersonRef", "String", "Length", "Email", "UUID",
        "List-String", "Dict"])
def test_the_national_check_refuses_what_could_identify_a_person(field, why):
    assert national_violations(Safe) == []
    probe = Schema.from_dict({"safe": fields.Integer(), "leak": field})
    violations = national_violations(probe)
    assert violations and all(v.startswith("leak") for v in violations), violations
    assert any(why in v for v in violations), violations


def test_a_national_contract_with_a_personal_field_cannot_even_be_registered():
    before = (dict(registry._contracts), dict(registry._upcasters))
    try:
        with pytest.raises(ValueError, match="could carry personal data"):
            @contracts.event("function_description.probe_national", 1, national=True)
            class Leaky(Schema):
                mentor = Personal(fields.String(), subject="person_id")
        assert ("function_description.probe_national", 1) not in registry._contracts
    finally:
        registry._contracts, registry._upcasters = before


def test_pseudonyms_are_keyed_per_instance_and_stable():
    person = uuid.uuid4()
    p = pseudonym.pseudonym(person, purpose="person", instance_id="region-1084", key=SECRET_A)
    assert re.match(pseudonym.PATTERN, p) and p.startswith("region-1084:p2:")
    assert p == pseudonym.pseudonym(str(person).upper(), purpose="person", instance_id="region-1084", key=SECRET_A)
    assert str(person) not in p and str(person).replace("-", "") not in p
    assert p != pseudonym.pseudonym(person, purpose="person", instance_id="region-1084",
                                    key=SECRET_B)  # another secret
    other_instance = pseudonym.pseudonym(person, purpose="person", instance_id="region-1083", key=SECRET_A)
    assert other_instance.split(":")[-1] != p.split(":")[-1]  # not linkable across instances
    assert p != pseudonym.pseudonym(uuid.uuid4(), purpose="person", instance_id="region-1084", key=SECRET_A)


def test_pseudonym_secret_comes_from_configuration(monkeypatch):
    person = uuid.uuid4()
    monkeypatch.setenv("PSEUDONYM_SECRET", "s" * 40)
    configured = pseudonym.pseudonym(person, purpose="person", instance_id="kommune-0101")
    assert configured == pseudonym.pseudonym(person, purpose="person", instance_id="kommune-0101",
                                             key=b"s" * 40)
    monkeypatch.setenv("PSEUDONYM_SECRET", "short")
    with pytest.raises(ConfigurationError, match="PSEUDONYM_SECRET"):  # refused with the instance's settings
        pseudonym.pseudonym(person, purpose="person", instance_id="kommune-0101")


def test_the_pseudonym_field_accepts_only_pseudonyms():
    class Report(Schema):
        person = Pseudonym(required=True)

    good = pseudonym.pseudonym(uuid.uuid4(), purpose="person", instance_id="region-1084", key=SECRET_A)
    assert Report().load({"person": good}) == {"person": good}
    for bad in ("Anne Hansen", str(uuid.uuid4()), "region-1084:p1:short"):
        assert Report().validate({"person": bad})


def test_peer_admin_pseudonym_prints_the_configured_pseudonym(monkeypatch):
    from typer.testing import CliRunner

    from admin.cli import app

    monkeypatch.setenv("PSEUDONYM_SECRET", "t" * 40)
    person = str(uuid.uuid4())
    result = CliRunner().invoke(app, ["pseudonym", person])
    assert result.exit_code == 0
    assert result.output.strip() == pseudonym.pseudonym(person, purpose="person", key=b"t" * 40)


def test_rule_pseudonyms_are_keyed_per_purpose_so_streams_of_one_entity_cannot_be_joined(monkeypatch):
    """Guards issue 8 item 10: `national_envelope` pseudonymised a stream's id without its category,
    so `peer_education-<course>` and `outcome-<course>` carried the same pseudonym and the national
    level could join a course's completions with its WHO-5 outcome. Keyed per purpose, they differ;
    each stays stable (per-stream order and deduplication still work)."""
    from runtime.messaging.relay import national_envelope

    monkeypatch.setenv("PSEUDONYM_SECRET", "n" * 40)
    course = str(uuid.uuid4())
    completions = national_envelope({"stream": f"peer_education-{course}", "actor": "u", "payload": {}})
    outcome = national_envelope({"stream": f"outcome-{course}", "actor": "u", "payload": {}})
    first, second = completions["stream"].split("-", 1)[1], outcome["stream"].split("-", 1)[1]
    assert re.match(pseudonym.PATTERN, first) and re.match(pseudonym.PATTERN, second)
    assert first.split(":")[-1] != second.split(":")[-1] and course not in first + second
    assert national_envelope({"stream": f"outcome-{course}", "actor": "u", "payload": {}}) == outcome
    person = uuid.uuid4()
    assert pseudonym.pseudonym(person, purpose="person") != pseudonym.pseudonym(person, purpose="outcome")
    with pytest.raises(ValueError):
        pseudonym.pseudonym(person, purpose="Not a purpose!")
