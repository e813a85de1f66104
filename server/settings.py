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
    # New tickets are classified (category, priority suggestion) by the classification job.
    triage_enabled: bool = True
    # Calibrated confidence below which a ticket keeps no category and goes to review.
    triage_threshold: float = 0.7
    # A corrected category teaches the classifier: the ticket's text becomes an example.
    triage_learn_from_corrections: bool = True
    # The encoder quantised to 8 bits: about twice the throughput, a little less accuracy.
    triage_int8: bool = False
    # arq's queue: deployments (or test runs) that share one Redis keep their jobs apart.
    queue_name: str = "arq:queue"
    # Outgoing mail (on-call pages); unset host: no mail is sent or queued.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str = "helpdesk@localhost"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    # The desk's own address: customers write to it and mail to customers answers from it.
    mail_address: str = "support@localhost"
    # Inbound mail: the SMTP receiver's port in `serve` (unset: not started; `helpdesk smtp`
    # runs it alone), and the largest message it accepts.
    smtp_listen_host: str = "127.0.0.1"
    smtp_listen_port: int | None = None
    mail_max_bytes: int = 25 * 1024 * 1024
    # A customer's mail reply on a ticket is stored without the history their client quoted
    # (the whole mail stays on the message as a file); off: stored as it came.
    mail_strip_quotes: bool = True
    # Where links in mail and form answers point (survey, follow a ticket, attachments).
    public_url: str = "http://127.0.0.1:8000"
    attachments_dir: Path = Path("var/attachments")
    attachment_max_bytes: int = 10 * 1024 * 1024
    # Accepted attachment types; a trailing /* accepts a whole family.
    attachment_types: tuple[str, ...] = (
        "image/*", "text/plain", "text/csv", "application/pdf", "application/zip",
        "application/json", "message/rfc822", "application/vnd.openxmlformats-officedocument.*",
        "application/msword", "application/vnd.ms-excel", "application/vnd.oasis.opendocument.*",
    )
    # Public web form and submitTicket: submissions per hour per client address and per email.
    form_rate_per_hour: int = 10
    # The collector's young-generation threshold while serving (server/gc_tuning.py);
    # 0 keeps Python's default.
    gc_young_threshold: int = 50_000

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
        triage_enabled=_flag(source.get("HELPDESK_TRIAGE", "on"), "HELPDESK_TRIAGE"),
        triage_threshold=_fraction(
            source.get("HELPDESK_TRIAGE_THRESHOLD", "0.7"), "HELPDESK_TRIAGE_THRESHOLD"
        ),
        triage_learn_from_corrections=_flag(
            source.get("HELPDESK_TRIAGE_LEARN", "on"), "HELPDESK_TRIAGE_LEARN"
        ),
        triage_int8=_flag(source.get("HELPDESK_TRIAGE_INT8", "off"), "HELPDESK_TRIAGE_INT8"),
        queue_name=source.get("HELPDESK_QUEUE_NAME") or "arq:queue",
        smtp_host=source.get("HELPDESK_SMTP_HOST") or None,
        smtp_port=int(source.get("HELPDESK_SMTP_PORT", "25")),
        smtp_from=source.get("HELPDESK_SMTP_FROM") or "helpdesk@localhost",
        smtp_username=source.get("HELPDESK_SMTP_USERNAME") or None,
        smtp_password=source.get("HELPDESK_SMTP_PASSWORD") or None,
        smtp_starttls=_flag(source.get("HELPDESK_SMTP_STARTTLS", "off"), "HELPDESK_SMTP_STARTTLS"),
        mail_address=source.get("HELPDESK_MAIL_ADDRESS")
        or source.get("HELPDESK_SMTP_FROM")
        or "support@localhost",
        smtp_listen_host=source.get("HELPDESK_SMTP_LISTEN_HOST") or "127.0.0.1",
        smtp_listen_port=_optional_int(source.get("HELPDESK_SMTP_LISTEN_PORT")),
        mail_max_bytes=int(source.get("HELPDESK_MAIL_MAX_BYTES", str(25 * 1024 * 1024))),
        mail_strip_quotes=_flag(source.get("HELPDESK_MAIL_STRIP_QUOTES", "on"), "HELPDESK_MAIL_STRIP_QUOTES"),
        public_url=(source.get("HELPDESK_PUBLIC_URL") or "http://127.0.0.1:8000").rstrip("/"),
        attachments_dir=Path(
            source.get("HELPDESK_ATTACHMENTS_DIR") or str(var_dir / "attachments")
        ),
        attachment_max_bytes=int(
            source.get("HELPDESK_ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))
        ),
        attachment_types=_list(source.get("HELPDESK_ATTACHMENT_TYPES")) or Settings.attachment_types,
        form_rate_per_hour=int(source.get("HELPDESK_FORM_RATE_PER_HOUR", "10")),
        gc_young_threshold=int(source.get("HELPDESK_GC_THRESHOLD", "50000")),
    )


def _optional_int(value: str | None) -> int | None:
    return int(value) if value not in (None, "") else None


def _list(value: str | None) -> tuple[str, ...]:
    return tuple(item.strip() for item in (value or "").split(",") if item.strip())


def _flag(value: str, name: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "on", "yes"):
        return True
    if lowered in ("0", "false", "off", "no"):
        return False
    raise ValueError(f"{name} must be on or off, not {value!r}")


def _fraction(value: str, name: str) -> float:
    number = float(value)
    if not 0.0 <= number <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, not {value!r}")
    return number
