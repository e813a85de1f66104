"""The typed per-request context: who is calling, the loaders, and the app's services."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket
from strawberry.types import Info as StrawberryInfo

from domain.errors import Unauthenticated
from domain.events import Publisher
from domain.models import User
from domain.rules.access import Actor
from resolvers.loaders import Loaders


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppServices:
    """What the app's lifespan owns and every request may use."""

    publisher: Publisher
    clock: Callable[[], datetime] = utc_now
    # server.rate_limit.RateLimiter; typed loosely so resolvers need not import the server
    rate_limiter: Any = None
    # server.hub.EventHub: live events for subscriptions
    hub: Any = None
    # domain.services.presence.PresenceStore
    presence: Any = None
    # domain.services.triage_models.TriageModels: this process's classifiers
    triage_models: Any = None
    # schema.shared_results.SharedResults: subscription results shared across subscribers
    shared_results: Any = None
    # server.settings.Settings: the process's configuration (mail, attachments, public URL)
    settings: Any = None
    # server.mailer.Mailer, or None when no SMTP server is configured
    mailer: Any = None
    # domain.services.attachments.AttachmentStore: the attachments directory and its policy
    attachments: Any = None
    # server.rate_limit.CounterStore: windowed counters, in memory or in Redis
    counters: Any = None
    triage_enabled: bool = True
    triage_threshold: float = 0.7
    learn_from_corrections: bool = True


@dataclass
class RequestContext:
    request: Request | WebSocket
    response: Response | WebSocket | None
    services: AppServices
    user: User | None = None
    actor: Actor | None = None
    # A token was sent but is not valid: every operation that needs a caller says so.
    bad_credentials: bool = False
    # graphql-transport-ws / graphql-ws: the connection_init payload
    connection_params: dict[str, Any] | None = None
    loaders: Loaders = field(default_factory=Loaders)

    @property
    def client_host(self) -> str:
        client = self.request.client
        return client.host if client is not None else "unknown"

    def now(self) -> datetime:
        return self.services.clock()

    def require_actor(self) -> Actor:
        if self.actor is None:
            if self.bad_credentials:
                raise Unauthenticated("The API token is invalid or revoked.")
            raise Unauthenticated("Sign in: send 'Authorization: Bearer <token>'.")
        return self.actor


Info = StrawberryInfo[RequestContext, None]
