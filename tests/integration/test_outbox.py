"""The outbox's retry rules against a real database of this run's backend: a refusal for
good (SMTP 5xx) ends the tries at once, a passing failure is tried again later, and a sent
mail is never sent again."""

from datetime import UTC, datetime, timedelta

from domain.models import OutboxMail, WebhookDelivery
from domain.services import outbox, webhook_outbox

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


async def queued(subject: str) -> OutboxMail:
    return await outbox.enqueue(to_address="c@example.com", subject=subject, body="b", kind="reply",
                                now=NOW, message_domain="desk.test")


async def test_a_permanent_refusal_ends_the_tries(database: None) -> None:
    sent: list[str] = []

    async def refuse(mail: outbox.Mail) -> None:
        sent.append(mail.message_id)
        raise outbox.PermanentFailure("550 no such user")

    row = await queued("refused")
    assert await outbox.deliver(mail_id=row.id, now=NOW, send=refuse) is False
    after = await OutboxMail.get(id=row.id)
    assert (after.attempts, after.next_attempt_at, after.sent_at) == (1, None, None)
    assert after.last_error == "550 no such user"
    assert await outbox.deliver_due(now=NOW + timedelta(days=2), send=refuse) == 0
    assert len(sent) == 1


async def test_a_passing_failure_is_tried_again_then_sent_once(database: None) -> None:
    calls: list[str] = []

    async def flaky(mail: outbox.Mail) -> None:
        calls.append(mail.message_id)
        if len(calls) == 1:
            raise OSError("connection refused")

    row = await queued("flaky")
    assert await outbox.deliver(mail_id=row.id, now=NOW, send=flaky) is False
    retry_at = (await OutboxMail.get(id=row.id)).next_attempt_at
    assert retry_at is not None and retry_at > NOW
    assert await outbox.deliver_due(now=NOW, send=flaky) == 0  # not due yet
    assert await outbox.deliver_due(now=retry_at, send=flaky) == 1
    assert await outbox.deliver_due(now=retry_at + timedelta(hours=1), send=flaky) == 0
    assert len(calls) == 2


async def test_tries_stop_after_the_last_attempt(database: None) -> None:
    async def down(mail: outbox.Mail) -> None:
        raise OSError("connection refused")

    row = await queued("never")
    moment = NOW
    for _ in range(outbox.MAX_ATTEMPTS):
        await OutboxMail.filter(id=row.id).update(next_attempt_at=moment)
        await outbox.deliver(mail_id=row.id, now=moment, send=down)
        moment += timedelta(hours=1)
    after = await OutboxMail.get(id=row.id)
    assert after.attempts == outbox.MAX_ATTEMPTS and after.next_attempt_at is None


async def test_webhook_calls_retry_until_taken_and_stop_on_a_4xx(database: None) -> None:
    answers = iter([503, 200])
    calls: list[str] = []

    async def receiver(url: str, body: bytes) -> int:
        calls.append(url)
        if url.endswith("/gone"):
            return 410
        if url.endswith("/down"):
            raise OSError("connection refused")
        return next(answers)

    flaky = await webhook_outbox.enqueue(url="http://r.test/hook", payload={"n": 1}, kind="page", now=NOW)
    assert await webhook_outbox.deliver(delivery_id=flaky.id, now=NOW, post=receiver) is False
    retry_at = (await WebhookDelivery.get(id=flaky.id)).next_attempt_at
    assert retry_at is not None and retry_at > NOW
    assert await webhook_outbox.deliver_due(now=retry_at, post=receiver) == 1
    assert await webhook_outbox.deliver_due(now=retry_at + timedelta(hours=1), post=receiver) == 0
    assert calls.count("http://r.test/hook") == 2

    gone = await webhook_outbox.enqueue(url="http://r.test/gone", payload={}, kind="page", now=NOW)
    await webhook_outbox.deliver(delivery_id=gone.id, now=NOW, post=receiver)
    row = await WebhookDelivery.get(id=gone.id)
    assert (row.next_attempt_at, row.delivered_at, row.last_error) == (None, None, "HTTP 410")

    down = await webhook_outbox.enqueue(url="http://r.test/down", payload={}, kind="page", now=NOW)
    await webhook_outbox.deliver(delivery_id=down.id, now=NOW, post=receiver)
    row = await WebhookDelivery.get(id=down.id)
    assert row.next_attempt_at is not None and "connection refused" in (row.last_error or "")
