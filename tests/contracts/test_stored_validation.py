"""Reads check stored payloads with each contract's compiled JSON Schema first (`validate_stored_payload`,
contracts/registry.py) and ask the marshmallow schema only when it refuses. That is safe only if the JSON
Schema refuses whatever the marshmallow schema refuses: these tests compare the two field by field for every
registered contract, and read tampered rows back from a real PostgreSQL store."""
from __future__ import annotations

import json
import re
import uuid

import pytest
from marshmallow import fields, validate

import contracts
from contracts import asyncapi, registry
from contracts.cpr import CprNumber
from contracts.personal import Personal
from runtime import db
from runtime import eventstore as es

# The JSON type (and format) each marshmallow field class must become. A field class not here fails the
# walk: map it (and check apispec converts its constraints, and that its format is checked as the field
# checks it: contracts.registry.STORED_FORMATS) before a contract uses it. Email, Time, naive or plain
# DateTime, TimeDelta and Decimal are left out on purpose: JSON Schema's formats for them accept text those
# fields refuse.
JSON_TYPES = [  # most specific first: Personal and CprNumber are Strings
    (Personal, "string", None), (CprNumber, "string", None),
    (fields.Url, "string", "url"), (fields.UUID, "string", "uuid"), (fields.AwareDateTime, "string", "date-time"),
    (fields.Date, "string", "date"), (fields.String, "string", None), (fields.Integer, "integer", None),
    (fields.Float, "number", None), (fields.Boolean, "boolean", None), (fields.Nested, "object", None),
    (fields.List, "array", None), (fields.Dict, "object", None),
]
_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def _types(node: dict) -> set[str]:
    kind = node.get("type")
    return set(kind) if isinstance(kind, list) else {kind} if kind else set()


def _check_validators(field: fields.Field, node: dict, path: str) -> list[str]:
    gaps = []
    for v in field.validators:
        if isinstance(v, validate.Length):
            low, high = ("minItems", "maxItems") if isinstance(field, fields.List) else ("minLength", "maxLength")
            if v.equal is not None:
                wanted = {low: v.equal, high: v.equal}
            else:
                wanted = {k: n for k, n in ((low, v.min), (high, v.max)) if n is not None}
            gaps += [f"{path}: {k} {n} missing" for k, n in wanted.items() if node.get(k) != n]
        elif isinstance(v, validate.Range):
            for bound, inclusive, key, exclusive_key in ((v.min, v.min_inclusive, "minimum", "exclusiveMinimum"),
                                                         (v.max, v.max_inclusive, "maximum", "exclusiveMaximum")):
                if bound is None:
                    continue
                found = node.get(key) if inclusive else node.get(exclusive_key)
                # apispec folds several Ranges into the tightest: never looser than this one
                tight = found is not None and (found >= bound if key == "minimum" else found <= bound)
                if not tight:
                    gaps.append(f"{path}: {key if inclusive else exclusive_key} {bound} missing")
        elif isinstance(v, validate.OneOf):
            if set(node.get("enum", ())) - {None} != set(v.choices):
                gaps.append(f"{path}: enum {sorted(v.choices)} missing")
        elif isinstance(v, validate.URL):  # format "url", checked by contracts.registry.STORED_FORMATS
            if node.get("format") != "url" or set(v.schemes) != registry.WEB_URL_SCHEMES or v.relative:
                gaps.append(f"{path}: a URL check unlike the stored format 'url'")
        elif isinstance(v, validate.Regexp):
            if node.get("pattern") != _NAMED_GROUP.sub("(", v.regex.pattern):
                gaps.append(f"{path}: pattern {v.regex.pattern!r} missing")
        else:
            gaps.append(f"{path}: validator {type(v).__name__} has no JSON Schema counterpart here")
    return gaps


def gaps_in(field: fields.Field, node: dict, path: str) -> list[str]:
    """Where `node` (a field's JSON Schema) accepts something `field` refuses."""
    kind = next(((t, f) for cls, t, f in JSON_TYPES if isinstance(field, cls)), None)
    if kind is None:
        return [f"{path}: field class {type(field).__name__} is not mapped"]
    json_type, json_format = kind
    gaps = []
    if json_type not in _types(node) or len(_types(node) - {json_type, "null"}) > 0:
        gaps.append(f"{path}: type {node.get('type')!r}, not {json_type!r}")
    if ("null" in _types(node)) != bool(field.allow_none):
        gaps.append(f"{path}: null {'accepted' if 'null' in _types(node) else 'refused'} unlike the field")
    if json_format and node.get("format") != json_format:
        gaps.append(f"{path}: format {json_format} missing")
    if isinstance(field, (Personal, CprNumber)):
        if node.get("pattern") != _NAMED_GROUP.sub("(", field.metadata["pattern"]):
            gaps.append(f"{path}: the sealed pattern is missing")
    gaps += _check_validators(field, node, path)
    if isinstance(field, fields.Nested):
        gaps += gaps_in_schema(field.schema, node, path)
    elif isinstance(field, fields.List):
        gaps += gaps_in(field.inner, node.get("items", {}), f"{path}[]")
    elif isinstance(field, fields.Dict):
        key_choices = [v.choices for v in getattr(field.key_field, "validators", ()) if isinstance(v, validate.OneOf)]
        if field.key_field is not None and field.key_field.validators and not key_choices:
            gaps.append(f"{path}: key validators other than OneOf have no JSON Schema counterpart here")
        if key_choices:
            if node.get("additionalProperties") is not False or set(node.get("properties", {})) != set(key_choices[0]):
                gaps.append(f"{path}: keys other than {sorted(key_choices[0])} accepted")
            values = list(node.get("properties", {}).values())
        else:
            values = [node.get("additionalProperties")] if isinstance(node.get("additionalProperties"), dict) else []
        if field.value_field is not None:
            if not values:
                gaps.append(f"{path}: values unchecked")
            for value_node in values:
                gaps += gaps_in(field.value_field, value_node, f"{path}{{}}")
    return gaps


def gaps_in_schema(schema, node: dict, path: str) -> list[str]:
    gaps = []
    if node.get("additionalProperties") is not False:
        gaps.append(f"{path or 'payload'}: unknown fields accepted")
    required = set(node.get("required", ()))
    for name, field in schema.fields.items():
        key = field.data_key or name
        where = f"{path}.{key}" if path else key
        if field.required and key not in required:
            gaps.append(f"{where}: not required")
        if key not in node.get("properties", {}):
            gaps.append(f"{where}: not in the JSON Schema")
            continue
        gaps += gaps_in(field, node["properties"][key], where)
    return gaps


@pytest.mark.parametrize("contract", contracts.all_contracts(), ids=lambda c: f"{c.type}.v{c.version}")
def test_the_stored_validator_is_as_strict_as_the_contract(contract):
    assert gaps_in_schema(contract.validator, asyncapi.payload_json_schema(contract.schema), "") == []


def test_the_walk_finds_a_looser_json_schema():
    """The comparison itself can fail: each kind of loosening is found."""
    contract = contracts.contract("function_description.local_fields_filled", 1)
    schema = asyncapi.payload_json_schema(contract.schema)
    assert gaps_in_schema(contract.validator, schema, "") == []
    local = schema["properties"]["fields"]
    loosened = [
        ("fields: unknown fields accepted", lambda: local.pop("additionalProperties")),
        ("fields.organisational_placement: maxLength 500 missing",
         lambda: local["properties"]["organisational_placement"].pop("maxLength")),
        ("fields.nearest_leader.name: the sealed pattern is missing",
         lambda: local["properties"]["nearest_leader"]["properties"]["name"].pop("pattern")),
        ("fields.nearest_leader.person_id: not required",
         lambda: local["properties"]["nearest_leader"]["required"].remove("person_id")),
        ("fields.special_tasks: keys other than ['1', '2', '3', '4', '5'] accepted",
         lambda: local["properties"]["special_tasks"].pop("additionalProperties")),
    ]
    for gap, loosen in loosened:
        schema = asyncapi.payload_json_schema(contract.schema)
        local = schema["properties"]["fields"]
        loosen()
        assert gap in gaps_in_schema(contract.validator, schema, ""), gap


LEADER = str(uuid.uuid4())
SEALED_NAME = f"pii:v2:s:{LEADER}:name:{'A' * 43}"
FILLED = {"fields": {"organisational_placement": "Socialpsykiatrien",
                     "nearest_leader": {"person_id": LEADER, "name": SEALED_NAME},
                     "special_tasks": {"1": ["Samtaler"]}}}
TAMPERED = [  # (what was done to a stored payload, the field the read names)
    ("a plain-text name", {"fields": {**FILLED["fields"], "nearest_leader": {"person_id": LEADER, "name": "Anne"}}},
     "payload.fields.nearest_leader.name"),
    ("an unknown nested field", {"fields": {**FILLED["fields"], "note": "x"}}, "payload.fields.note"),
    ("too long", {"fields": {**FILLED["fields"], "organisational_placement": "x" * 501}},
     "payload.fields.organisational_placement"),
    ("a key outside the enumeration", {"fields": {**FILLED["fields"], "special_tasks": {"6": ["x"]}}},
     "payload.fields.special_tasks"),
    ("a number for a text", {"fields": {**FILLED["fields"], "organisational_placement": 7}},
     "payload.fields.organisational_placement"),
    ("no person id", {"fields": {**FILLED["fields"], "nearest_leader": {"name": SEALED_NAME}}},
     "payload.fields.nearest_leader.person_id"),
    ("not a uuid", {"fields": {**FILLED["fields"], "nearest_leader": {"person_id": "7", "name": SEALED_NAME}}},
     "payload.fields.nearest_leader.person_id"),
    ("the required field gone", {}, "payload.fields"),
]


def test_a_payload_holding_python_objects_is_judged_by_the_contract():
    """The memory store keeps payloads as given: a UUID object is no JSON, and jsonschema-rs raises on it."""
    payload = {"fields": {"nearest_leader": {"person_id": uuid.UUID(LEADER), "name": SEALED_NAME}}}
    assert contracts.validate_stored_payload("function_description.local_fields_filled", 1, payload) is payload
    with pytest.raises(contracts.InvalidPayload):
        contracts.validate_stored_payload("function_description.local_fields_filled", 1,
                                          {"fields": {"nearest_leader": {"person_id": uuid.UUID(LEADER)}}})


def test_valid_stored_payloads_pass_the_fast_check():
    contract = contracts.contract("function_description.local_fields_filled", 1)
    assert contract.json_schema_validator.is_valid(FILLED)
    assert contracts.validate_stored_payload(contract.type, 1, FILLED) is FILLED


@pytest.mark.parametrize("what,payload,field", TAMPERED, ids=[t[0] for t in TAMPERED])
def test_a_tampered_stored_payload_is_refused_on_read_naming_the_field(database_url, what, payload, field):
    """Written past the append (as an operator's UPDATE, a restored dump or a bug could): the read refuses it."""
    stream = es.stream_name("function_description", uuid.uuid4())
    assert not contracts.contract("function_description.local_fields_filled", 1).json_schema_validator.is_valid(payload)
    with db.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO events (event_id, stream_name, stream_version, event_type, schema_version, payload, "
            "metadata, occurred_at) VALUES (%s, %s, 0, 'function_description.local_fields_filled', 1, %s, %s, now())",
            (uuid.uuid4(), stream, json.dumps(payload),
             json.dumps(es.Metadata("roles", "region-1084", "test", uuid.uuid4()).as_json())))
        with pytest.raises(contracts.InvalidPayload) as raised:
            es.read_stream(conn, stream)
        conn.rollback()
    named, rest = raised.value.field, field.removeprefix("payload.").split(".")
    assert named == f"payload.{rest[0]}", what  # InvalidPayload names the top-level field; errors say where below
    errors = raised.value.errors
    for key in rest:
        assert key in errors, (what, raised.value.errors)
        errors = errors[key]


def test_a_url_field_is_checked_on_read():
    resource = next(c for c in contracts.all_contracts() if "url" in c.validator.fields
                    and type(c.validator.fields["url"]).__name__ == "Url")
    node = asyncapi.payload_json_schema(resource.schema)["properties"]["url"]
    assert node["format"] == "url"
    check = registry.compiled_json_schema(node)
    for refused in ("ftp://example.dk/x", "not a url", "javascript:alert(1)", "/relative/path"):
        assert not check.is_valid(refused), refused
    assert check.is_valid("https://peernetvaerket.dk/om") and check.is_valid(None)


# -- appends: the same compiled check first, on plain JSON only -------------------------------------------
RESCHEDULED = {"session_id": str(uuid.uuid4()), "starts_at": "2026-03-02T10:00:00+01:00",
               "ends_at": "2026-03-02T12:00:00+01:00", "place": "Mødelokale 2"}
HOSTILE_VALUES = [  # (field, value): whatever the contract's own field makes of it, the append must too
    ("starts_at", "2026-03-02t10:00:00z"), ("starts_at", "2026-12-31T23:59:60Z"), ("starts_at", "0000-01-01T00:00:00Z"),
    ("starts_at", "2026-03-02T10:00:00"), ("starts_at", "2026-03-02 10:00:00+01:00"), ("starts_at", "2026-02-30T10:00:00Z"),
    ("session_id", "0f3b2e9e000040008000000000000000"), ("session_id", "{0f3b2e9e-0000-4000-8000-000000000000}"),
    ("session_id", "not-a-uuid"), ("session_id", uuid.UUID(int=7)),
    ("place", "Mødelokale\x00 2"), ("place", "\ud83d"), ("place", "Mødelokale 😀"), ("place", 2), ("place", ["x"]),
    ("place", "x" * 5000), ("place", None),
]


class Text(str):
    """A str subclass: not JSON's own type, so the append leaves it to the contract's field."""


@pytest.mark.parametrize("field,value", HOSTILE_VALUES, ids=[f"{f}={v!r}"[:60] for f, v in HOSTILE_VALUES])
def test_an_append_accepts_exactly_what_the_contract_accepts(field, value):
    contract = contracts.contract("group_course.session_rescheduled", 1)
    payload = {**RESCHEDULED, field: value}
    by_contract = not contract.validator.validate(payload)
    try:
        contracts.validate_payload(contract.type, 1, payload)
        by_append = True
    except contracts.InvalidPayload as exc:
        by_append = False
        assert exc.errors == contract.validator.validate(payload)  # the contract's own words, naming the field
    assert by_append == by_contract


@pytest.mark.parametrize("value", [7.0, float("nan"), float("inf"), True, 2**63, "7", Text("x")])
def test_an_append_of_numbers_and_subclasses_is_judged_by_the_contract(value):
    """JSON Schema counts 7.0 as an integer and knows no NaN; the contract's strict integers refuse both."""
    contract = contracts.contract("peer.terms_set", 1)
    for field in ("break_minutes", "weekly_hours"):
        payload = {"weekly_hours": 12.5, "working_times": [], "break_minutes": 30, field: value}
        try:
            contracts.validate_payload(contract.type, 1, payload)
            by_append = True
        except contracts.InvalidPayload:
            by_append = False
        assert by_append == (not contract.validator.validate(payload)), (field, value)


def test_a_valid_append_is_decided_by_the_compiled_schema_alone(monkeypatch):
    contract = contracts.contract("group_course.session_rescheduled", 1)
    assert not contract.validator.validate(RESCHEDULED)
    monkeypatch.setattr(contract.validator, "validate", lambda payload: pytest.fail("marshmallow asked"))
    assert contracts.validate_payload(contract.type, 1, RESCHEDULED) is RESCHEDULED
