"""The one place that reads the environment (and an optional `.env`)."""

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

DEFAULT_DATABASE_URL = "sqlite://var/helpdesk.sqlite3"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    secret_key: str = ""
    var_dir: Path = Path("var")
    # Requests per minute per token (or per client address when anonymous); 0 disables.
    rate_limit_per_minute: int = 600
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    # Server pings on idle WebSockets, so proxies with idle timeouts keep them open.
    ws_ping_seconds: float = 15.0

    @property
    def embedded(self) -> bool:
        """Embedded mode: in-memory broadcast and in-process jobs."""
        return self.redis_url is None


def _secret_key(var_dir: Path) -> str:
    """Generated into var/ on first start, so restarts keep signed links valid."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def load_settings(environ: dict[str, str] | None = None, env_file: Path | None = None) -> Settings:
    source: dict[str, str] = {}
    dotenv_path = env_file or Path(".env")
    if dotenv_path.exists():
        source.update({k: v for k, v in dotenv_values(dotenv_path).items() if v is not None})
    source.update(os.environ if environ is None else environ)

    var_dir = Path(source.get("HELPDESK_VAR_DIR", "var"))
    redis_url = source.get("HELPDESK_REDIS_URL") or None
    origins = tuple(o for o in source.get("HELPDESK_ALLOWED_ORIGINS", "").split(",") if o)
    return Settings(
        database_url=source.get("HELPDESK_DATABASE_URL") or DEFAULT_DATABASE_URL,
        redis_url=redis_url,
        secret_key=source.get("HELPDESK_SECRET_KEY") or _secret_key(var_dir),
        var_dir=var_dir,
        rate_limit_per_minute=int(source.get("HELPDESK_RATE_LIMIT_PER_MINUTE", "600")),
        allowed_origins=origins,
        ws_ping_seconds=float(source.get("HELPDESK_WS_PING_SECONDS", "15")),
    )
