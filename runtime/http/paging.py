"""Pages of a list: every list that grows with an instance's data answers a page at a time.

`@api(..., many=True, paged=True)` adds `limit` and `offset` to the endpoint's query parameters (and to its
OpenAPI document); the method receives them in `query` and ends its statement with `page_clause(query)`.
A full page is answered with a `Link: <…>; rel="next"` header (RFC 8288) to the page after it. Each paged
statement orders by a unique key last, so pages neither repeat nor skip a row of an unchanged list.

Why: an unpaged list answered every row on every read. In the 10-minute mixed load (bench/mixed.py) the
function-description list grew to thousands of rows, reads fell from 39 to 3 a second and took the
commands' CPU with them (bench/README.md, finding 8).
"""
from __future__ import annotations

from urllib.parse import urlencode

from marshmallow import fields, validate

from contracts.schema import QuerySchema

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000
MAX_OFFSET = 1_000_000


class PageQuery(QuerySchema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": f"At most this many rows (default {DEFAULT_LIMIT})"})
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_OFFSET),
                            metadata={"description": "Rows to skip: the `Link` header's next page names it"})


def paged_query(query: type[QuerySchema] | None) -> type[QuerySchema]:
    """The endpoint's own query parameters, if any, with `limit` and `offset`."""
    if query is None:
        return PageQuery
    return type(query.__name__, (query, PageQuery), {"__module__": query.__module__})


def page_clause(query: dict) -> str:
    """` LIMIT n OFFSET m` of a loaded `PageQuery`: both are integers in range (validated), so they are
    written as literals, which keeps each endpoint's statement in its own parameter style."""
    return f" LIMIT {int(query['limit'])} OFFSET {int(query['offset'])}"


def next_link(request, query: dict, answered: int) -> str | None:
    """The `Link` header of a full page: the same request with the next offset."""
    if answered < query["limit"]:
        return None
    args = {**request.args.to_dict(), "limit": query["limit"], "offset": query["offset"] + query["limit"]}
    return f'<{request.path}?{urlencode(args)}>; rel="next"'


LINK_HEADER = {"Link": {"description": 'The next page (`<…?offset=…>; rel="next"`), when this page is full',
                        "schema": {"type": "string"}}}
