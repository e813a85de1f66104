"""The SMTP receiver's answers: 250 once stored, 451 (try again) when storing fails, so the
sending server keeps the mail. A real aiosmtpd server on this test's event loop and a real
smtplib client; the store behind it is a list."""

import asyncio
import smtplib

from server.smtp_receiver import SmtpReceiver

RAW = b"From: a@example.com\r\nTo: desk@example.com\r\nSubject: s\r\n\r\nbody\r\n"


def _send(port: int) -> tuple[int, bytes]:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.ehlo()
        assert client.mail("a@example.com")[0] == 250
        assert client.rcpt("desk@example.com")[0] == 250
        return client.data(RAW)


async def test_a_failed_store_is_answered_451_and_the_retry_250() -> None:
    stored: list[tuple[bytes, str | None, list[str]]] = []
    failures = [RuntimeError("database away")]

    async def deliver(raw: bytes, mail_from: str | None, recipients: list[str]) -> object:
        if failures:
            raise failures.pop()
        stored.append((raw, mail_from, recipients))
        return None

    receiver = SmtpReceiver(host="127.0.0.1", port=0, max_bytes=10_000, hostname="desk.test", deliver=deliver)
    async with receiver:
        first = await asyncio.to_thread(_send, receiver.port)
        second = await asyncio.to_thread(_send, receiver.port)
    assert first[0] == 451
    assert second[0] == 250
    assert len(stored) == 1
    raw, mail_from, recipients = stored[0]
    assert b"Subject: s" in raw and b"body" in raw
    assert (mail_from, recipients) == ("a@example.com", ["desk@example.com"])


async def test_lines_longer_than_rfc_5321_allows_are_accepted() -> None:
    stored: list[bytes] = []

    async def deliver(raw: bytes, mail_from: str | None, recipients: list[str]) -> object:
        stored.append(raw)
        return None

    long_line = b"From: a@example.com\r\n\r\n" + b"y" * 5_000 + b"\r\n"

    def send_long(port: int) -> tuple[int, bytes]:
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
            client.ehlo()
            client.mail("a@example.com")
            client.rcpt("desk@example.com")
            return client.data(long_line)

    receiver = SmtpReceiver(host="127.0.0.1", port=0, max_bytes=10_000, hostname="desk.test", deliver=deliver)
    async with receiver:
        code, _ = await asyncio.to_thread(send_long, receiver.port)
    assert code == 250
    assert stored and b"y" * 5_000 in stored[0]
