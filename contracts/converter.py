"""What the OpenAPI and AsyncAPI documents add to apispec's marshmallow conversion, so that a document
is as strict as the schema it is generated from and standard tools in any language can read it."""
from __future__ import annotations

import re

from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import fields, validate

_PYTHON_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


def enumerated_keys(self, field, ret, **kwargs) -> dict:
    """A dict whose keys are an enumeration (`special_tasks`: "1".."5") is an object with exactly those
    optional properties: OpenAPI 3.0 has no `propertyNames`, and a bare `additionalProperties` would
    document keys the server refuses."""
    if not isinstance(field, fields.Dict) or field.key_field is None:
        return {}
    choices = [v.choices for v in field.key_field.validators if isinstance(v, validate.OneOf)]
    if not choices:
        return {}
    value_schema = ret.get("additionalProperties") or {}
    return {"properties": {str(key): value_schema for key in choices[0]}, "additionalProperties": False}


def portable_pattern(self, field, ret, **kwargs) -> dict:
    """Patterns in ECMA-262 syntax, as JSON Schema requires: Python's named groups `(?P<kind>…)` become
    plain groups (they only name what is matched; the match is the same)."""
    pattern = ret.get("pattern")
    if isinstance(pattern, str) and "(?P" in pattern:
        return {"pattern": _PYTHON_NAMED_GROUP.sub("(", pattern)}
    return {}


def add_contract_conversions(plugin: MarshmallowPlugin) -> MarshmallowPlugin:
    """Call after the plugin's spec exists (`APISpec(..., plugins=[plugin])` creates its converter)."""
    for function in (enumerated_keys, portable_pattern):
        plugin.converter.add_attribute_function(function)
    return plugin
