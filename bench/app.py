"""The app under test: the real `create_app` plus one hand-written JSON route to compare with.

Served by uvicorn as a factory (`uvicorn --factory bench.app:create_bench_app`), configured
through the environment because uvicorn passes a factory no arguments: BENCH_DATABASE_URL
names the benchmark's database.
"""

import os
from datetime import UTC
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.models import Ticket
from domain.services.tickets import visible_tickets
from resolvers.context import RequestContext
from server.app import create_app
from server.auth import authenticate
from server.settings import Settings

JSON_PATH = "/bench/tickets.json"
PAGE_SIZE = 50


def _ticket_json(row: Ticket) -> dict[str, Any]:
    # The same fields, names and formats as the GraphQL query's node, so that the two
    # responses can be compared for equality before anything is timed.
    return {
        "id": str(row.id),
        "key": row.key,
        "subject": row.subject,
        "status": row.status.value,
        "priority": row.priority.name,
        "createdAt": row.created_at.astimezone(UTC).isoformat(),
        "customer": {"name": row.customer.name, "email": row.customer.email},
        "assignee": {"name": row.assignee.name} if row.assignee else None,
        "group": {"name": row.group.name} if row.group else None,
    }


async def tickets_json(request: Request) -> Response:
    """The 50 newest visible tickets with customer, assignee and group, in one query.

    It pays the same authentication as /graphql (token lookup and actor load: three
    queries) and applies the same visibility rule, so that the difference left is GraphQL's.
    """
    ctx = RequestContext(request=request, response=None, services=request.app.state.services)
    await authenticate(ctx, request.headers.get("authorization"))
    if ctx.actor is None:
        return JSONResponse({"error": "unauthenticated"}, status_code=401)
    rows = await (
        visible_tickets(ctx.actor)
        .order_by("-created_at", "-id")
        .limit(PAGE_SIZE)
        .select_related("customer", "assignee", "group")
    )
    return JSONResponse({"tickets": [_ticket_json(r) for r in rows]})


def create_bench_app() -> Starlette:
    app = create_app(Settings(database_url=os.environ["BENCH_DATABASE_URL"],
                              rate_limit_per_minute=0))
    app.router.routes.insert(0, Route(JSON_PATH, tickets_json, methods=["GET"]))
    return app
