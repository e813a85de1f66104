"""Inbound mail rules: automatic mail, ticket keys in subjects, thread ids, composed text."""

import pytest

from domain.mail.parse import InboundMail, parse
from domain.rules.mail_intake import (
    NO_TEXT,
    compose_text,
    is_automatic,
    sender_failed_authentication,
    thread_ids,
    ticket_number_in_subject,
)


def mail_with(headers: list[str], *, sender: str = "Ann <ann@example.com>", body: str = "hi") -> InboundMail:
    head = "\r\n".join([f"From: {sender}", "Subject: s", "Message-ID: <m@example.com>", *headers])
    return parse(f"{head}\r\n\r\n{body}\r\n".encode())


@pytest.mark.parametrize(
    ("headers", "sender", "envelope", "automatic"),
    [
        ([], "Ann <ann@example.com>", "ann@example.com", False),
        ([], "Ann <ann@example.com>", None, False),
        (["Auto-Submitted: no"], "ann@example.com", None, False),
        (["Auto-Submitted: auto-replied"], "ann@example.com", None, True),
        (["Auto-Submitted: auto-generated; owner-email=x@y.z"], "ann@example.com", None, True),
        (["Precedence: bulk"], "ann@example.com", None, True),
        (["Precedence: junk"], "ann@example.com", None, True),
        (["Precedence: list"], "ann@example.com", None, True),
        (["Precedence: auto_reply"], "ann@example.com", None, True),
        (["Precedence: first-class"], "ann@example.com", None, False),
        (["X-Autoreply: yes"], "ann@example.com", None, True),
        (["X-Autorespond: vacation"], "ann@example.com", None, True),
        # Set by other help desks on mail their agents write: not a sign of a machine.
        (["X-Auto-Response-Suppress: All"], "ann@example.com", None, False),
        (["X-Auto-Response-Suppress: All", "Auto-Submitted: auto-replied"], "ann@example.com", None, True),
        ([], "ann@example.com", "", True),  # the null sender <>: a bounce
        ([], "ann@example.com", "<>", True),
        ([], "MAILER-DAEMON@mx.example.com", "x@y.z", True),
        ([], "Mail Delivery <postmaster@example.com>", None, True),
        (["Content-Type: multipart/report; report-type=delivery-status; boundary=b"], "ann@example.com",
         None, True),
        (["List-Id: <support.lists.example.com>", "Precedence: list"], "ann@example.com", None, True),
        (["List-Id: <support.lists.example.com>"], "ann@example.com", None, False),
    ],
)
def test_is_automatic(headers: list[str], sender: str, envelope: str | None, automatic: bool) -> None:
    reason = is_automatic(mail_with(headers, sender=sender), envelope_sender=envelope)
    assert (reason is not None) is automatic, reason


@pytest.mark.parametrize(
    ("subject", "number"),
    [
        ("[HD-123] Re: printer", 123),
        ("Re: [HD-123] printer", 123),
        ("Re: printer (HD-45)", 45),
        ("hd-7 follow-up", 7),
        ("[ hd-8 ]", 8),
        ("About HD-9 and [HD-10]", 10),  # the bracketed key wins
        ("XHD-12 is a product code", None),
        ("HD-12a", None),
        ("HD-12-3", None),
        ("HD-", None),
        ("HD-0", None),
        ("printer broken", None),
        ("", None),
    ],
)
def test_ticket_number_in_subject(subject: str, number: int | None) -> None:
    assert ticket_number_in_subject(subject, prefix="HD") == number


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([], []),
        (["In-Reply-To: <b@x>"], ["<b@x>"]),
        (["References: <a@x> <b@x> <c@x>"], ["<c@x>", "<b@x>", "<a@x>"]),
        (["In-Reply-To: <b@x>", "References: <a@x> <b@x>"], ["<b@x>", "<a@x>"]),
        (["In-Reply-To: <m@example.com>"], []),  # its own id names no thread
    ],
)
def test_thread_ids(headers: list[str], expected: list[str]) -> None:
    assert thread_ids(mail_with(headers)) == expected


@pytest.mark.parametrize(
    ("text", "notes", "limit", "expected"),
    [
        ("hello", [], 100, "hello"),
        ("  ", [], 100, NO_TEXT),
        ("hello", ["file x skipped"], 100, "hello\n\n[file x skipped]"),
        ("abcdefghij" * 3, [], 20, None),
        ("abcdefghij" * 3, ["n"], 32, None),
    ],
)
def test_compose_text(text: str, notes: list[str], limit: int, expected: str | None) -> None:
    composed = compose_text(text, notes, limit=limit)
    assert len(composed.text) <= limit
    assert composed.cut is (expected is None)
    if expected is not None:
        assert composed.text == expected


def test_a_cut_text_says_so_and_keeps_the_notes() -> None:
    composed = compose_text("x" * 5000, ["report.exe not kept"], limit=1000).text
    assert len(composed) <= 1000
    assert "[report.exe not kept]" in composed
    assert "cut: it had 5000 characters" in composed
    assert composed.startswith("xxx")


def test_many_notes_are_summed_up() -> None:
    composed = compose_text("t", [f"file {i}" for i in range(50)], limit=20_000).text
    assert "[file 19]" in composed and "[file 20]" not in composed
    assert "and 30 more" in composed


@pytest.mark.parametrize(
    ("headers", "failed"),
    [
        ([], False),
        (["Authentication-Results: mx.desk.test; spf=pass smtp.mailfrom=example.com; dkim=pass"], False),
        (["Authentication-Results: mx.desk.test; spf=fail smtp.mailfrom=example.com"], True),
        (["Authentication-Results: mx.desk.test; dkim=pass; dmarc=FAIL header.from=example.com"], True),
        (["Authentication-Results: mx.desk.test; spf=softfail smtp.mailfrom=example.com"], False),
        (["Authentication-Results: mx.desk.test; spf=none"], False),
        # The receiving server's verdict is the topmost; a sender's own claim below it is not.
        (["Authentication-Results: mx.desk.test; spf=fail", "Authentication-Results: evil; spf=pass"], True),
        (["Authentication-Results: mx.desk.test; spf=pass", "Authentication-Results: x; spf=fail"], False),
    ],
)
def test_sender_failed_authentication(headers: list[str], failed: bool) -> None:
    assert sender_failed_authentication(mail_with(headers)) is failed
