"""OpenAPI documents generated from the `@api` declarations and their marshmallow schemas."""
from __future__ import annotations

import inspect
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from runtime.auth import PUBLIC
from runtime.http import ApiEntrypoint

_RULE_ARGUMENT = re.compile(r"<(?:(\w+):)?(\w+)>")
_CONVERTER_TYPES = {"uuid": {"type": "string", "format": "uuid"}, "int": {"type": "integer"}}
PROBLEM = {"$ref": "#/components/schemas/Problem"}


def api_entrypoints(service_cls) -> list[tuple[str, ApiEntrypoint]]:
    found = []
    for name, member in inspect.getmembers(service_cls):
        for entrypoint in getattr(member, "nameko_entrypoints", ()):
            if isinstance(entrypoint, ApiEntrypoint):
                found.append((name, entrypoint))
    return sorted(found, key=lambda item: (item[1].url, item[1].method))


def _schema_name(schema) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    return cls.__name__


def _problem_responses(entrypoint: ApiEntrypoint) -> dict:
    responses = {"500": {"description": "Internal error", "content": {"application/problem+json": {"schema": PROBLEM}}}}
    if entrypoint.allow != PUBLIC:
        responses["401"] = {"description": "Missing, expired or forged token",
                            "content": {"application/problem+json": {"schema": PROBLEM}}}
        responses["403"] = {"description": "Role not allowed, or a token of another instance",
                            "content": {"application/problem+json": {"schema": PROBLEM}}}
    if entrypoint.body_schema is not None or "<" in entrypoint.url:
        for status, text in (("404", "Not found"), ("409", "Stale version or a rule of the domain"),
                             ("422", "Invalid input: each error names its field and reason")):
            responses[status] = {"description": text, "content": {"application/problem+json": {"schema": PROBLEM}}}
    return responses


def document(service_cls, version: str = "1") -> dict:
    spec = APISpec(title=f"{service_cls.name} service", version=version, openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name)],
                   info={"description": (service_cls.__module__ and inspect.getmodule(service_cls).__doc__ or "").strip()})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Problem", {
        "type": "object", "required": ["type", "title", "status", "detail", "correlation_id"],
        "properties": {"type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
                       "detail": {"type": "string"}, "correlation_id": {"type": "string"},
                       "errors": {"type": "array", "items": {"type": "object", "required": ["field", "reason"],
                                  "properties": {"field": {"type": "string"}, "reason": {"type": "string"}}}}}})
    paths: dict[str, dict] = {}
    for name, entrypoint in api_entrypoints(service_cls):
        path = _RULE_ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", entrypoint.url)
        parameters = [{"name": arg, "in": "path", "required": True,
                       "schema": _CONVERTER_TYPES.get(kind or "", {"type": "string"})}
                      for kind, arg in _RULE_ARGUMENT.findall(entrypoint.url)]
        response_schema = {"type": "object"} if entrypoint.produces == "application/json" else {"type": "string"}
        if entrypoint.returns is not None:
            ref = {"$ref": f"#/components/schemas/{_schema_name(entrypoint.returns)}"}
            response_schema = {"type": "array", "items": ref} if entrypoint.many else ref
            if _schema_name(entrypoint.returns) not in spec.components.schemas:
                spec.components.schema(_schema_name(entrypoint.returns), schema=entrypoint.returns)
        operation = {
            "operationId": name,
            "summary": entrypoint.summary or name.replace("_", " "),
            "parameters": parameters,
            "responses": {str(entrypoint.status): {"description": "OK",
                                                   "content": {entrypoint.produces: {"schema": response_schema}}},
                          **_problem_responses(entrypoint)},
            "x-allowed-roles": list(entrypoint.allow),
        }
        if entrypoint.allow != PUBLIC:
            operation["security"] = [{"bearer": []}]
        if entrypoint.body_schema is not None:
            if _schema_name(entrypoint.body_schema) not in spec.components.schemas:
                spec.components.schema(_schema_name(entrypoint.body_schema), schema=entrypoint.body_schema)
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": {"$ref": f"#/components/schemas/{_schema_name(entrypoint.body_schema)}"}}}}
        for method in entrypoint.method.split(","):
            paths.setdefault(path, {})[method.lower()] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
