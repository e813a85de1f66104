"""The Starlette app: GraphQL over HTTP and WebSocket on /graphql, health probes, and the
lifespan that owns the database, the broadcaster and the Redis connection."""

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import redis.asyncio as aioredis
from arq import create_pool
from arq.connections import RedisSettings
from broadcaster import Broadcast
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketState
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.schema import BaseSchema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL as TRANSPORT_WS
from strawberry.types.unset import UNSET, UnsetType
from tortoise.connection import get_connection
from tortoise.contrib.starlette import RegisterTortoise

from domain.events import NullPublisher, PageNotification, QueuedNotices, TicketActivity
from domain.services import sla_checks, ticket_attachments, triage
from domain.services.triage_models import TriageModels
from domain.triage.embedder import shared_embedder
from resolvers.context import AppServices, RequestContext
from schema import build_schema
from schema.shared_results import SharedResults
from server import attachment_routes
from server.attachment_store import attachment_store
from server.auth import authenticate
from server.db import tortoise_config
from server.encoded_payloads import EncodedPayloads
from server.gc_tuning import tuned_collector
from server.graphiql import URL_PREFIX as GRAPHIQL_ASSETS_URL
from server.graphiql import OptionalStaticFiles, graphiql_assets, render_graphiql
from server.hub import EventHub
from server.intake_routes import intake_routes
from server.keys import tickets_channel
from server.mailer import Mailer
from server.presence import MemoryPresence, RedisPresence
from server.publisher import AppPublisher, ArqClassificationQueue, ArqTimers, ClassificationQueue
from server.rate_limit import CounterStore, MemoryCounters, RateLimiter, RedisCounters
from server.redis_broadcast import ResilientRedisBackend
from server.settings import Settings
from server.smtp_receiver import receiver_for
from server.survey_routes import survey_routes
from server.webhooks import WebhookSender
from workers.in_process import InProcessClassifier, InProcessTimers
from workers.jobs import classification_runner, dispatch_due

logger = logging.getLogger("helpdesk")
# The example agent page, served as it is in the repository (no build step).
WORKBENCH_DIR = Path(__file__).resolve().parent.parent / "client-examples" / "web-workbench"
# Abandoned uploads are looked for this often by the embedded sweep (the worker: hourly).
ATTACHMENT_CLEANUP_EVERY = timedelta(hours=1)


class HelpdeskGraphQL(GraphQL[RequestContext, None]):
    def __init__(
        self, schema: BaseSchema, services: AppServices, ping_seconds: float, **kwargs: Any
    ) -> None:
        super().__init__(schema, **kwargs)
        self.services = services
        self.ping_seconds = ping_seconds
        self._ping_tasks: set[asyncio.Task[None]] = set()
        self._payloads = EncodedPayloads()

    def encode_json(self, data: object) -> str:
        return self._payloads.message(data)

    async def _ping(self, socket: WebSocket) -> None:
        """graphql-transport-ws lets either side ping; strawberry only answers, so idle
        sockets would be cut by proxies with idle timeouts. Ends with the socket."""
        try:
            while socket.application_state is WebSocketState.CONNECTED:
                await asyncio.sleep(self.ping_seconds)
                await socket.send_text('{"type":"ping"}')
        except Exception:  # the socket closed under us: nothing left to keep alive
            return

    async def render_graphql_ide(self, request: Request) -> Response:
        """GraphiQL from this server's own files: strawberry's page loads from a CDN."""
        return await render_graphiql(request)

    async def get_context(  # type: ignore[override]
        self, request: Request | WebSocket, response: Response | WebSocket
    ) -> RequestContext:
        ctx = RequestContext(request=request, response=response, services=self.services)
        if isinstance(request, Request):
            await authenticate(ctx, request.headers.get("authorization"))
        return ctx

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:  # type: ignore[override]
        """WebSocket clients sign in with `{"authorization": "Bearer <token>"}` in
        connection_init; a missing or bad token closes the socket with 4403."""
        params = context.connection_params or {}
        header = params.get("authorization") or params.get("Authorization")
        await authenticate(context, header if isinstance(header, str) else None)
        if context.actor is None:
            raise ConnectionRejectionError({"message": "Send a valid token in connection_init."})
        if context.actor.is_staff:
            await self.services.presence.touch_online(context.actor.user_id, self.services.clock())
        socket = context.request
        if isinstance(socket, WebSocket) and socket.scope.get("subprotocols", [None])[0] == TRANSPORT_WS:
            task = asyncio.create_task(self._ping(socket))
            self._ping_tasks.add(task)
            task.add_done_callback(self._ping_tasks.discard)
        return UNSET


class PublisherProxy:
    """The embedded publisher and its job runners need each other: this breaks the cycle."""

    def __init__(self, ref: list[AppPublisher]) -> None:
        self._ref = ref

    async def publish(self, activities: list[TicketActivity]) -> None:
        await self._ref[0].publish(activities)

    async def schedule_sla_check(self, ticket_id: int, at: datetime) -> None:
        await self._ref[0].schedule_sla_check(ticket_id, at)

    async def schedule_classification(self, ticket_id: int) -> None:
        await self._ref[0].schedule_classification(ticket_id)

    async def write_page_notices(self, notification: PageNotification) -> QueuedNotices:
        return await self._ref[0].write_page_notices(notification)

    def send_page_notices(self, queued: QueuedNotices, now: datetime) -> None:
        self._ref[0].send_page_notices(queued, now)


@asynccontextmanager
async def _resources(app: Starlette, settings: Settings, services: AppServices) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(RegisterTortoise(app, config=tortoise_config(settings.database_url)))
        hub_ref: list[EventHub] = []
        redis_backend = (
            ResilientRedisBackend(settings.redis_url, on_reconnect=lambda: hub_ref[0].resync())
            if settings.redis_url
            else None
        )
        broadcast = Broadcast("memory://") if redis_backend is None else Broadcast(backend=redis_backend)
        await stack.enter_async_context(broadcast)
        channel = tickets_channel(settings.queue_name)
        hub_ref.append(await stack.enter_async_context(EventHub(broadcast, channel=channel)))
        services.hub = hub_ref[0]
        app.state.redis_backend = redis_backend
        http = httpx.AsyncClient()
        stack.push_async_callback(http.aclose)
        webhooks = WebhookSender(settings.secret_key, http)
        stack.push_async_callback(webhooks.aclose)
        mailer = Mailer(settings) if settings.smtp_host else None
        if mailer is not None:
            stack.push_async_callback(mailer.aclose)
        services.mailer = mailer
        # One per process; the model itself loads on first use (classify query or job).
        models = TriageModels(partial(shared_embedder, settings.triage_int8))
        services.triage_models = models
        counters: CounterStore = MemoryCounters()
        if settings.redis_url:
            client = aioredis.from_url(settings.redis_url)
            stack.push_async_callback(client.aclose)
            app.state.redis = client
            counters = RedisCounters(client, settings.queue_name)
            pool = await create_pool(
                RedisSettings.from_dsn(settings.redis_url), default_queue_name=settings.queue_name
            )
            stack.push_async_callback(pool.aclose)
            services.publisher = AppPublisher(
                broadcast,
                ArqTimers(pool),
                ArqClassificationQueue(pool) if settings.triage_enabled else None,
                webhooks,
                mailer,
                channel=channel,
            )
        else:
            publisher_ref: list[AppPublisher] = []

            async def on_due(ticket_id: int) -> None:
                await sla_checks.check(ticket_id=ticket_id, now=services.clock(), publisher=publisher_ref[0])

            cleaned_at: list[datetime] = []

            async def on_sweep() -> int:
                now = services.clock()
                checked = await sla_checks.sweep(now=now, publisher=publisher_ref[0])
                checked += await dispatch_due(now=now, publisher=publisher_ref[0])
                if mailer is not None:
                    checked += await mailer.deliver_due(now)
                checked += await webhooks.deliver_due(now)
                if not cleaned_at or now - cleaned_at[-1] >= ATTACHMENT_CLEANUP_EVERY:
                    cleaned_at[:] = [now]
                    checked += await ticket_attachments.forget_unsent(store=services.attachments, now=now)
                return checked

            timers = InProcessTimers(on_due, on_sweep, clock=services.clock)
            classifier: ClassificationQueue | None = None
            if settings.triage_enabled:

                async def pending() -> list[int]:
                    return await triage.pending_ticket_ids(created_before=services.clock())

                run = classification_runner(
                    models=models,
                    threshold=settings.triage_threshold,
                    publisher=PublisherProxy(publisher_ref),
                    clock=services.clock,
                )
                classifier = await stack.enter_async_context(InProcessClassifier(run, pending))
            publisher_ref.append(
                AppPublisher(broadcast, timers, classifier, webhooks, mailer, channel=channel)
            )
            services.publisher = publisher_ref[0]
            await stack.enter_async_context(timers)
        services.counters = counters
        services.rate_limiter = RateLimiter(counters, settings.rate_limit_per_minute)
        services.presence = (
            RedisPresence(app.state.redis, settings.queue_name) if settings.redis_url else MemoryPresence()
        )
        if settings.smtp_listen_port is not None:  # inbound mail, last in: it needs all the above
            await stack.enter_async_context(receiver_for(
                settings, publisher=services.publisher, attachments=services.attachments, clock=services.clock
            ))
        # Last: what startup loaded is frozen out of the collections while serving.
        stack.enter_context(tuned_collector(settings.gc_young_threshold))
        yield


def cors(settings: Settings) -> list[Middleware]:
    """Frontends on other origins (HELPDESK_ALLOWED_ORIGINS) may call the API and the public
    form from a browser. Tokens travel in a header, never in cookies, so no credentials are
    allowed and "*" is safe to list. WebSockets are not subject to CORS and carry the token in
    connection_init, which another site's page cannot read."""
    if not settings.allowed_origins:
        return []
    return [Middleware(
        CORSMiddleware,
        allow_origins=list(settings.allowed_origins),
        allow_methods=["GET", "POST"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Retry-After"],
        max_age=600,
    )]


def create_app(settings: Settings) -> Starlette:
    services = AppServices(
        publisher=NullPublisher(),
        shared_results=SharedResults(),
        settings=settings,
        attachments=attachment_store(settings),
        triage_enabled=settings.triage_enabled,
        triage_threshold=settings.triage_threshold,
        learn_from_corrections=settings.triage_learn_from_corrections,
    )
    graphql = HelpdeskGraphQL(
        build_schema(),
        services,
        ping_seconds=settings.ws_ping_seconds,
        keep_alive=True,  # the legacy graphql-ws protocol's "ka" messages
        keep_alive_interval=settings.ws_ping_seconds,
        connection_init_wait_timeout=timedelta(seconds=3),
    )

    async def healthz(_: Request) -> Response:
        return JSONResponse({"status": "ok"})

    async def readyz(request: Request) -> Response:
        checks: dict[str, str] = {}
        try:
            await get_connection("default").execute_query("SELECT 1")
            checks["database"] = "ok"
        except Exception as error:  # any failure means not ready
            checks["database"] = f"error: {type(error).__name__}"
        redis_client = getattr(request.app.state, "redis", None)
        if redis_client is not None:
            try:
                await redis_client.ping()
                listener = request.app.state.redis_backend
                checks["broker"] = "ok" if listener.healthy else "error: subscriber reconnecting"
            except Exception as error:
                checks["broker"] = f"error: {type(error).__name__}"
        else:
            checks["broker"] = "ok (in-process)"
        ready = all(v.startswith("ok") for v in checks.values())
        return JSONResponse({"ready": ready, **checks}, status_code=200 if ready else 503)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with _resources(app, settings, services):
            yield

    app = Starlette(
        routes=[
            Route("/graphql", graphql, methods=["GET", "POST"]),
            WebSocketRoute("/graphql", graphql),
            Route("/healthz", healthz),
            Route("/readyz", readyz),
            *intake_routes(),
            *survey_routes(),
            *attachment_routes.routes(services),
            Mount("/workbench", OptionalStaticFiles(directory=WORKBENCH_DIR, html=True, check_dir=False)),
            Mount(GRAPHIQL_ASSETS_URL, graphiql_assets()),
        ],
        middleware=cors(settings),
        lifespan=lifespan,
    )
    app.state.services = services
    app.state.settings = settings
    return app
