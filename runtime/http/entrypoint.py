"""The HTTP entrypoint every service uses: JSON in and out, problem documents for every error.

    @api("POST", "/function-descriptions", allow=("coordinator", "leader"),
         body=AdoptSchema, returns=FunctionDescriptionSchema, status=201)
    def adopt(self, request, body): ...

The entrypoint declares its request and response schemas (OpenAPI is generated from them) and who
may call it. Errors are raised, never returned, so the transaction-per-worker rolls back.
"""
from __future__ import annotations

import copy
import json
import logging
import random
import uuid
from functools import cache, partial

import eventlet
from eventlet.event import Event
from marshmallow import Schema, ValidationError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

import contracts
from runtime import domain, errors, eventstore, logs
from runtime.http import paging
from runtime.http.auth import PUBLIC, authorise, declaration  # noqa: F401  (PUBLIC re-exported for services)
from runtime.errors import Conflict, InvalidInput, ProblemError, ShuttingDown, Unavailable
from runtime.eventstore import ConcurrencyConflict
from runtime.http.audit import check_disclosure, check_special_category_reads
from runtime.service.database import complete, is_transient

log = logging.getLogger(__name__)

# A command whose client sent no expected version decided on the state it loaded itself; when another
# writer moved the stream on meanwhile, deciding again on the fresh state is what the client would do.
# Bounded: each round of racing writers lets at least one through.
CONFLICT_ATTEMPTS = 30
CONFLICT_BACKOFF = 0.004  # seconds per attempt, jittered, so racing writers spread out


def retries_on_conflict(kwargs: dict) -> bool:
    """Only when the client did not pin a version: a stale version the client sent stays a 409."""
    body = kwargs.get("body")
    return not isinstance(body, dict) or body.get("expected_version") is None


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(payload, default=str), status=status, headers=headers,
                    mimetype="application/json")


def problem_response(error: ProblemError, correlation_id: str | None = None) -> Response:
    body = {"type": error.problem_type, "title": error.title, "status": error.status, "detail": error.detail}
    if error.errors:
        body["errors"] = error.errors
    if correlation_id:
        body["correlation_id"] = correlation_id
    return Response(json.dumps(body), status=error.status, mimetype="application/problem+json",
                    headers=getattr(error, "headers", None) or None)


# The one place the domain's plain exceptions become problem documents.
_DOMAIN_PROBLEMS = ((domain.NotFound, errors.NotFound), (domain.RuleBroken, errors.Conflict),
                    (domain.InvalidValue, errors.InvalidInput))


def as_problem(exc: Exception) -> ProblemError:
    if isinstance(exc, ProblemError):
        return exc
    for domain_error, problem in _DOMAIN_PROBLEMS:
        if isinstance(exc, domain_error):
            return problem(exc.detail, exc.errors)
    if isinstance(exc, ValidationError):
        return InvalidInput.from_marshmallow(exc.messages)
    if isinstance(exc, ConcurrencyConflict):
        return Conflict(f"stale version: {exc}", [{"field": "expected_version", "reason": str(exc)}])
    if isinstance(exc, contracts.ContractError):
        return InvalidInput.field(exc.field, exc.reason)
    if is_transient(exc):
        return Unavailable()
    if isinstance(exc, HTTPException):
        problem = ProblemError(exc.description or exc.name)
        problem.status, problem.title = exc.code or 500, exc.name
        problem.headers = {k: v for k, v in exc.get_headers() if k.lower() == "allow"}
        return problem
    problem = ProblemError("internal error; its correlation_id identifies it in the logs")
    problem.status, problem.title = 500, "Internal server error"
    return problem


class ClientErrorsAtInfo(logging.Filter):
    """nameko.containers logs every exception a worker raised at ERROR (or WARNING), a 409 or 422 included.
    A problem the client caused is not a server error: INFO, with its status."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.WARNING and record.exc_info and record.exc_info[1] is not None:
            status = as_problem(record.exc_info[1]).status
            if status < 500:
                record.levelno, record.levelname, record.status = logging.INFO, "INFO", status
                record.msg, record.args = "client error handling worker %s", record.args[:1]
        return True


logging.getLogger("nameko.containers").addFilter(ClientErrorsAtInfo())


class ProblemWsgiApp(WsgiApp):
    """nameko's WSGI app, answering a URL no entrypoint matches (404, e.g. a path segment that is not a
    UUID) or a method it does not serve (405, with `Allow`) with a problem document instead of HTML."""

    def __call__(self, environ, start_response):
        adapter = self.url_map.bind_to_environ(environ)
        try:
            adapter.match()
        except HTTPException as exc:
            if exc.code and exc.code >= 400:
                correlation_id = correlation_id_of(environ.get("HTTP_X_CORRELATION_ID", ""))
                response = problem_response(as_problem(exc), correlation_id)
                response.headers["X-Correlation-ID"] = correlation_id
                return response(environ, start_response)
        return super().__call__(environ, start_response)


def correlation_id_of(header: str) -> str:
    """The caller's X-Correlation-ID if it is a UUID (anything else could carry data), else a new one."""
    try:
        return str(uuid.UUID(header))
    except ValueError:
        return str(uuid.uuid4())


class ProblemWebServer(WebServer):
    def get_wsgi_app(self):
        return ProblemWsgiApp(self)


class ApiEntrypoint(HttpRequestHandler):
    server = ProblemWebServer()

    @staticmethod
    def event_metadata(worker_ctx, service: str, instance_id: str) -> eventstore.Metadata:
        """Events a request appends are the caller's (the token's subject), under its correlation id."""
        request = worker_ctx.args[0]
        principal = request.environ.get("peer.principal")
        return eventstore.Metadata(service, instance_id, principal.subject if principal else "anonymous",
                                   uuid.UUID(request.environ["peer.correlation_id"]))

    def __init__(self, method: str, url: str, *, allow, body: type[Schema] | None = None,
                 query: type[Schema] | None = None, returns: type[Schema] | None = None, many: bool = False,
                 status: int = 200, summary: str = "", produces: str = "application/json", paged: bool = False,
                 **kwargs):
        super().__init__(method, url, **kwargs)
        if paged and not many:
            raise TypeError(f"{method} {url}: only a list (many=True) is paged")
        self.allow = declaration(allow, f"{method} {url}")
        self.body_schema = body
        self.paged = paged  # runtime/http/paging.py: `limit` and `offset` added to the query
        # a contracts.schema.QuerySchema: loaded into the `query` argument
        self.query_schema = paging.paged_query(query) if paged else query
        self.returns = returns
        self.many = many
        self.status = status
        self.summary = summary
        self.produces = produces  # the media type of a successful answer (OpenAPI), e.g. text/calendar
        self.stopping = False

    def stop(self):
        # Graceful shutdown: nameko stops entrypoints, waits for the workers in flight, then stops the
        # dependencies (closes the pool), while its web server still accepts until the very end. A
        # request arriving meanwhile is refused here, before it gets a worker, instead of running
        # against a closing pool.
        self.stopping = True
        super().stop()

    @classmethod
    def decorator(cls, method: str, url: str, **kwargs):
        """`@api(...)`: also refuses, at import, a response of special-category data whose reads are not
        audited (runtime/http/audit.py)."""
        register = super().decorator(method, url, **kwargs)

        def checked(fn):

            check_special_category_reads(fn, kwargs.get("returns"), f"{method} {url}")
            return register(fn)

        return checked

    def handle_request(self, request):
        correlation_id = correlation_id_of(request.headers.get("X-Correlation-ID", ""))
        request.environ["peer.correlation_id"] = correlation_id
        # This green thread serves the connection (and writes the access log line); the worker binds its own.
        logs.bind_correlation_id(correlation_id)
        request.shallow = False
        try:
            if self.stopping:
                raise ShuttingDown()
            args, kwargs = self.get_entrypoint_parameters(request)
            self.check_signature(args, kwargs)
            result = self.run_command(args, kwargs)
            response = self.response_from_result(result, request)
            if self.paged and isinstance(result, list):
                link = paging.next_link(request, kwargs["query"], len(result))
                if link:
                    response.headers["Link"] = link
        except Exception as exc:
            response = self.response_from_exception(exc)
        response.headers["X-Correlation-ID"] = correlation_id
        return response

    def run_command(self, args, kwargs):
        """Run the method in a worker (its own transaction); on a version conflict of a command whose
        client sent no expected version, again in a new worker that loads the fresh state and decides anew.
        The same place for every endpoint of every service: nameko's handler runs the worker once."""
        for attempt in range(1, CONFLICT_ATTEMPTS + 1):
            done = Event()
            # A fresh copy each time: methods may change their body (pop a field, fill a default).
            self.container.spawn_worker(self, args, copy.deepcopy(kwargs), context_data={},
                                        handle_result=partial(self.handle_result, done))
            try:
                return done.wait()
            except ConcurrencyConflict:
                if attempt == CONFLICT_ATTEMPTS or not retries_on_conflict(kwargs):
                    raise
                log.info("version conflict; deciding again on fresh state",
                         extra={"url": self.url, "attempt": attempt})
                eventlet.sleep(random.uniform(0, CONFLICT_BACKOFF * attempt))

    def get_entrypoint_parameters(self, request):
        request.environ["peer.principal"] = authorise(request, self.allow)
        args, kwargs = super().get_entrypoint_parameters(request)
        if self.query_schema is not None:
            kwargs["query"] = load_query(request, self.query_schema)
        if self.body_schema is not None:
            kwargs["body"] = load_body(request, self.body_schema)
        return args, kwargs

    def handle_result(self, event, worker_ctx, result, exc_info):

        exc_info = complete(worker_ctx, exc_info)
        event.send(result, exc_info)
        return result, exc_info

    def response_from_result(self, result, request=None):
        if isinstance(result, Response):
            return result
        if self.returns is not None:
            schema = schema_instance(self.returns, self.many)
            result = schema.dump(result)
            if request is not None:

                check_disclosure(schema, result, request, f"{self.method} {self.url}")
        return json_response(result, self.status)

    def response_from_exception(self, exc):
        problem = as_problem(exc)
        if isinstance(exc, ShuttingDown):
            log.info("request refused: shutting down", extra={"status": problem.status, "url": self.url})
        elif problem.status >= 500:
            # Type only: the message of an unexpected exception may quote personal data.
            log.error("request failed", extra={"error": type(exc).__name__, "url": self.url})
        return problem_response(problem, logs.correlation_id())


@cache
def schema_instance(schema: type[Schema], many: bool = False) -> Schema:
    """One instance per schema class: building one (its fields, nested schemas) cost more per request than
    loading or dumping with it. Loading and dumping keep no state on the instance."""
    return schema(many=many)


def load_body(request, schema: type[Schema]) -> dict:
    if request.mimetype != "application/json":
        raise InvalidInput.field("body", "Content-Type must be application/json")
    try:
        data = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        raise InvalidInput.field("body", "not valid JSON") from None
    try:
        return schema_instance(schema).load(data)
    except ValidationError as exc:
        raise InvalidInput.from_marshmallow(exc.messages) from None


def load_query(request, schema: type[Schema]) -> dict:
    try:
        return schema_instance(schema).load(request.args.to_dict())
    except ValidationError as exc:
        raise InvalidInput.from_marshmallow(exc.messages) from None


api = ApiEntrypoint.decorator
