"""The routes the issue adds to server/app.py, applied from outside until they are wired
there: the workbench page at /workbench, GraphiQL's files at /static/graphiql and the
local GraphiQL page. Every step checks first, so once server/app.py has the routes this
module changes nothing."""

from pathlib import Path
from types import MethodType
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from strawberry.asgi import GraphQL

from server.graphiql import URL_PREFIX, OptionalStaticFiles, graphiql_assets, render_graphiql
from server.settings import Settings

REPO = Path(__file__).resolve().parents[2]
WORKBENCH_DIR = REPO / "client-examples" / "web-workbench"


def _has_path(routes: list[BaseRoute], path: str) -> bool:
    return any(getattr(route, "path", None) == path for route in routes)


def _graphql_view(routes: list[BaseRoute]) -> Any:
    for route in routes:
        if isinstance(route, Route) and route.path == "/graphql":
            return route.endpoint
    raise LookupError("the app has no /graphql route")


def add_pages(app: Starlette) -> Starlette:
    """Safe on a running app: Starlette looks its routes up on every request."""
    routes = app.router.routes
    if not _has_path(routes, "/workbench"):
        routes.append(Mount("/workbench", OptionalStaticFiles(directory=WORKBENCH_DIR, html=True, check_dir=False)))
    if not _has_path(routes, URL_PREFIX):
        routes.append(Mount(URL_PREFIX, graphiql_assets()))
    view = _graphql_view(routes)
    if type(view).render_graphql_ide is GraphQL.render_graphql_ide:  # strawberry's CDN page
        view.render_graphql_ide = MethodType(_render_graphql_ide, view)
    return app


async def _render_graphql_ide(self: Any, request: Request) -> Response:
    return await render_graphiql(request)


def create_app(settings: Settings) -> Starlette:
    """`server.app.create_app` plus the pages, for running the page by hand."""
    from server.app import create_app as create_api

    return add_pages(create_api(settings))
