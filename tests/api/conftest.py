"""Fixtures shared by the API tests."""

from collections.abc import Iterator

import pytest

from tests.mail_sink import MailSink


@pytest.fixture(scope="module")
def sink() -> Iterator[MailSink]:
    """A real SMTP server that keeps what the desk sends, one per test module."""
    running = MailSink()
    running.start()
    yield running
    running.stop()
