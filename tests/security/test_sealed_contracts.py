"""Every personal field of every contract is sealed per person, and names whose it is."""
from marshmallow import fields

import contracts
from contracts.personal import STREAM, Personal


def personal_declarations(schema, prefix=""):
    """(path, field, the schema it sits in) for every field marked personal, nested and listed included."""
    schema = schema() if isinstance(schema, type) else schema
    for name, field in schema.fields.items():
        path = f"{prefix}{field.data_key or name}"
        inner = field.inner if isinstance(field, fields.List) else field
        if field.metadata.get("personal") or inner.metadata.get("personal"):
            yield path, inner, schema
        if isinstance(inner, fields.Nested):
            yield from personal_declarations(inner.schema, f"{path}.")


def test_personal_fields_are_sealed_by_the_vault_and_name_their_subject():
    checked, wrong = 0, []
    for c in contracts.all_contracts():
        for path, field, schema in personal_declarations(c.schema):
            checked += 1
            where = f"{c.type} v{c.version} {path}"
            if not isinstance(field, Personal):
                wrong.append(f"{where}: marked personal but stored in plain text (use contracts.personal.Personal)")
            elif field.subject != STREAM and field.subject not in {f.data_key or n for n, f in schema.fields.items()}:
                wrong.append(f"{where}: subject {field.subject!r} is not a field beside it")
    assert checked >= 2, "no personal field found: this test would check nothing"
    assert not wrong, "\n".join(wrong)
