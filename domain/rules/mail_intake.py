"""What an inbound mail is, before anything is written: automatic or written by a person,
which ticket it names in its subject, which earlier mails it answers. Pure."""

import re
from collections.abc import Sequence
from dataclasses import dataclass

from domain.mail.parse import InboundMail

_AUTOMATIC_PRECEDENCE = {"bulk", "junk", "list", "auto_reply"}
_DAEMON_LOCALS = {"mailer-daemon", "postmaster"}
THREAD_IDS_MAX = 20


def is_automatic(mail: InboundMail, *, envelope_sender: str | None = None) -> str | None:
    """Why the mail was sent by a machine (auto-reply, bounce, list traffic), or None when a
    person wrote it. The desk neither opens a ticket for such mail nor answers it.

    `envelope_sender`: the SMTP MAIL FROM, "" for the null sender `<>` that bounces use,
    None when unknown."""
    auto_submitted = _token(mail.header("auto-submitted"))
    if auto_submitted and auto_submitted != "no":
        return f"Auto-Submitted: {auto_submitted}"
    precedence = _token(mail.header("precedence"))
    if precedence in _AUTOMATIC_PRECEDENCE:
        return f"Precedence: {precedence}"
    for name in ("x-autoreply", "x-autorespond"):
        if mail.header(name) is not None:
            return f"{name} header"
    # Not X-Auto-Response-Suppress: it asks others not to auto-answer, and other desks and
    # CRMs set it on mail their people write; ignoring it would drop real messages.
    if envelope_sender is not None and envelope_sender.strip() in ("", "<>"):
        return "null envelope sender (a bounce)"
    local = (mail.from_address or "").split("@", 1)[0]
    if local in _DAEMON_LOCALS:
        return f"sent by {local}"
    if mail.content_type == "multipart/report":
        # Delivery status, read receipts, abuse feedback: all machine-made.
        return f"report ({mail.report_type or 'unknown type'})"
    return None


def _token(value: str | None) -> str | None:
    if value is None:
        return None
    return value.split(";", 1)[0].strip().lower() or None


_AUTHENTICATION_FAILED = re.compile(r"\b(?:dmarc|spf|dkim)\s*=\s*fail\b", re.IGNORECASE)


def sender_failed_authentication(mail: InboundMail) -> bool:
    """The receiving server's verdict (the topmost Authentication-Results, which it adds
    above anything the sender wrote) says the From could not be verified. Such a mail may
    still answer a Message-ID it knows, but a guessable ticket key is not enough."""
    results = mail.header("authentication-results")
    return bool(results and _AUTHENTICATION_FAILED.search(results))


def ticket_number_in_subject(subject: str, *, prefix: str) -> int | None:
    """`[HD-12] Re: printer` -> 12. A bracketed key wins over a bare one; a bare key counts
    only as a whole word (not `XHD-12` or `HD-12a`)."""
    escaped = re.escape(prefix)
    for pattern in (rf"\[\s*{escaped}-(\d{{1,18}})\s*\]", rf"(?<![\w-]){escaped}-(\d{{1,18}})(?![\w-])"):
        match = re.search(pattern, subject, flags=re.IGNORECASE)
        if match:
            number = int(match.group(1))
            if number > 0:
                return number
    return None


def thread_ids(mail: InboundMail) -> list[str]:
    """The Message-IDs the mail answers, most telling first: In-Reply-To, then References
    from the newest back."""
    ordered: list[str] = []
    for ident in ([mail.in_reply_to] if mail.in_reply_to else []) + list(reversed(mail.references)):
        if ident != mail.message_id and ident not in ordered:
            ordered.append(ident)
    return ordered[:THREAD_IDS_MAX]


NO_TEXT = "(The mail had no text.)"
NOTES_MAX = 20
NOTE_MAX = 300


@dataclass(frozen=True)
class Composed:
    text: str
    cut: bool  # the mail's text did not fit: the caller keeps the whole of it elsewhere


def compose_text(text: str, notes: Sequence[str], *, limit: int) -> Composed:
    """The mail's text with the desk's notes (skipped files, why it opened a new ticket)
    below it in brackets, cut so the whole fits `limit`; a cut says so."""
    body = text.strip() or NO_TEXT
    lines = [note[:NOTE_MAX] for note in notes[:NOTES_MAX]]
    if len(notes) > NOTES_MAX:
        lines.append(f"... and {len(notes) - NOTES_MAX} more.")
    if len(body) + len(_tail(lines)) <= limit:
        return Composed(body + _tail(lines), cut=False)
    lines.append(f"The mail's text was cut: it had {len(body)} characters.")
    room = max(0, limit - len(_tail(lines)) - 1)
    return Composed((body[:room].rstrip() + "…" + _tail(lines))[:limit], cut=True)


def _tail(lines: Sequence[str]) -> str:
    return "\n\n" + "\n".join(f"[{line}]" for line in lines) if lines else ""
