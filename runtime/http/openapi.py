"""OpenAPI documents generated from the `@api` declarations and their marshmallow schemas."""
from __future__ import annotations

import inspect
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from contracts.converter import add_contract_conversions
from runtime.http.auth import PUBLIC
from runtime.http.entrypoint import ApiEntrypoint
from runtime.http.paging import LINK_HEADER

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


def _problem(description: str) -> dict:
    return {"description": description, "content": {"application/problem+json": {"schema": PROBLEM}}}


def _problem_responses(entrypoint: ApiEntrypoint) -> dict:
    """Every error answer the operation can give; `ApiEntrypoint` and `ProblemWsgiApp` give no other."""
    responses = {"500": _problem("Internal error")}
    if entrypoint.allow != PUBLIC:
        responses["401"] = _problem("Missing, expired or forged token")
        responses["403"] = _problem("Role not allowed, or a token of another instance")
    if "<" in entrypoint.url:
        responses["404"] = _problem("Not found, or a path segment that is not of its type (a UUID)")
    if entrypoint.body_schema is not None or "<" in entrypoint.url:
        responses["409"] = _problem("Stale version or a rule of the domain")
    if entrypoint.body_schema is not None:  # a command on a stream that is a person (runtime/privacy/erasure.py)
        responses["410"] = _problem("The person the command is about was erased")
    if entrypoint.body_schema is not None or entrypoint.query_schema is not None or "<" in entrypoint.url:
        responses["422"] = _problem("Invalid input: each error names its field and reason")
    return responses


METHOD_NOT_ALLOWED = _problem("A method the path does not serve; the `Allow` header lists those it does")


def document(service_cls, version: str = "1") -> dict:
    plugin = MarshmallowPlugin(schema_name_resolver=_schema_name)
    description = (service_cls.__module__ and inspect.getmodule(service_cls).__doc__ or "").strip()
    spec = APISpec(title=f"{service_cls.name} service", version=version, openapi_version="3.0.3",
                   plugins=[plugin], info={"description": description + (
                       "\n\nEvery error is a problem document (application/problem+json, RFC 9457); a method a "
                       "path does not serve is answered 405 (components/responses/MethodNotAllowed).")})
    add_contract_conversions(plugin)
    spec.components.response("MethodNotAllowed", METHOD_NOT_ALLOWED)
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
        if entrypoint.query_schema is not None:
            parameters += plugin.converter.schema2parameters(entrypoint.query_schema, location="query")
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
                                                   "content": {entrypoint.produces: {"schema": response_schema}},
                                                   **({"headers": LINK_HEADER} if entrypoint.paged else {})},
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
