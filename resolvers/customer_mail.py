"""The customer mail a ticket change queues, for the entry points that make the change: the
writes to pass into the service's transaction, then the kick that sends the mail once the
change has committed (the outbox sweeps retry whatever the kick does not send)."""

from datetime import datetime

from domain.services.customer_mail import CustomerMailConfig, reply_mail_writer
from domain.services.satisfaction import SideWrite, SurveyConfig, survey_writer
from domain.services.ticket_changes import MessageWrite
from resolvers.context import AppServices


def mail_config(services: AppServices) -> CustomerMailConfig | None:
    """None when the desk sends no mail (no SMTP server configured)."""
    settings = services.settings
    if settings is None or settings.smtp_host is None or services.mailer is None:
        return None
    return CustomerMailConfig(
        message_domain=settings.smtp_from.rsplit("@", 1)[-1] or "localhost",
        reply_to=settings.mail_address,
        public_url=settings.public_url.rstrip("/"),
    )


class OutgoingMail:
    """One per change: `reply_writes()` / `close_writes()` into the service call, then
    `send_queued()` after it returns."""

    def __init__(self, services: AppServices, now: datetime) -> None:
        self._services = services
        self._now = now
        self._config = mail_config(services)
        self.queued: list[int] = []

    @property
    def config(self) -> CustomerMailConfig | None:
        """None when the desk sends no mail."""
        return self._config

    def reply_writes(self) -> tuple[MessageWrite, ...]:
        if self._config is None:
            return ()
        return (reply_mail_writer(self._config, self.queued),)

    def close_writes(self) -> tuple[SideWrite, ...]:
        if self._config is None or not self._services.settings.secret_key:
            return ()
        survey = SurveyConfig(mail=self._config, secret_key=self._services.settings.secret_key)
        return (survey_writer(survey, now=self._now, queued=self.queued),)

    def send_queued(self) -> None:
        mailer = self._services.mailer
        if mailer is not None:
            for mail_id in self.queued:
                mailer.deliver_soon(mail_id, self._now)
        self.queued.clear()
