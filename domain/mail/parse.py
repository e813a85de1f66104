"""Raw RFC 5322 bytes -> InboundMail.

`parse` never raises: mail from the outside world is often malformed (truncated multiparts,
lying charsets, 8-bit headers, broken base64), and a message the desk cannot fully read must
still reach a person. Every step has a fallback; in the worst case the raw text becomes the
body."""

import codecs
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header
from email.message import Message
from email.parser import BytesParser
from email.utils import getaddresses
from html.parser import HTMLParser
from typing import TypeVar

T = TypeVar("T")

MESSAGE_ID_MAX = 255
HEADER_VALUE_MAX = 2_000
REFERENCES_MAX = 50
# Nesting deeper than this is not a real mail client's work; the rest is read as text.
MAX_DEPTH = 40
_ID = re.compile(r"<([^<>\s]+)>")
# Charset labels that name no charset: decode by guessing.
_NO_CHARSET = {"unknown-8bit", "x-unknown", "unknown", "default", "x-user-defined", "8bit"}


@dataclass(frozen=True)
class MailAttachment:
    filename: str | None
    content_type: str
    data: bytes
    inline: bool = False


@dataclass(frozen=True)
class InboundMail:
    message_id: str  # "<id@host>"; synthetic (from the raw bytes' hash) when the mail has none
    message_id_synthetic: bool
    in_reply_to: str | None
    references: tuple[str, ...]  # oldest first, as in the header
    from_address: str | None  # lower-cased; None when the mail names no sender
    from_name: str | None
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    text: str
    attachments: tuple[MailAttachment, ...] = ()
    # Lower-cased header name -> its first value, decoded and unfolded (loop detection).
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "text/plain"  # of the whole message, e.g. "multipart/report"
    report_type: str | None = None  # "delivery-status" for a bounce

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def parse(raw: bytes) -> InboundMail:
    try:
        return _parse(raw)
    except Exception:  # RecursionError and parser bugs included: the mail must not be lost
        return _raw_only(raw)


# --- decoding ----------------------------------------------------------------------------


def decode_bytes(data: bytes, charset: str | None) -> str:
    """The declared charset when it is honest; else UTF-8 (with replacement if the text is
    UTF-8 with a few broken bytes), else windows-1252, else latin-1 (which never fails)."""
    codec = _codec(charset)
    if codec is not None:
        # Mail labelled latin-1 is in practice often windows-1252 (curly quotes, euro sign).
        candidates = ["cp1252", codec] if codec == "iso8859-1" else [codec]
        for name in candidates:
            try:
                return data.decode(name)
            except (UnicodeDecodeError, LookupError, ValueError):
                continue
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", "replace")
    if any(ord(ch) > 127 and ch != "\ufffd" for ch in lenient):
        return lenient  # real UTF-8 sequences in it: UTF-8 with some damage
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    label = charset.strip().strip("\"'").lower()
    if not label or label in _NO_CHARSET:
        return None
    try:
        info = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    # Only text encodings: "rot13", "zlib" and friends are codecs too.
    if not getattr(info, "_is_text_encoding", True):
        return None
    return info.name


def _unsurrogate(value: str) -> str:
    """8-bit bytes in headers arrive as surrogate escapes: decode them as text."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), None)


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(value: str) -> str:
    """No NUL or other control characters (PostgreSQL refuses NUL in text) and no lone
    surrogates (they cannot be stored as UTF-8)."""
    return _CONTROL.sub("", value)


def _unfold(value: str) -> str:
    return re.sub(r"\r?\n(?=[ \t])", "", value).replace("\r", "").replace("\n", " ")


def decode_header_text(value: str) -> str:
    """RFC 2047 encoded words decoded; unknown charsets and broken words left readable."""
    value = _unsurrogate(_unfold(value))
    if "=?" not in value:
        return value.strip()
    try:
        chunks = decode_header(value)
    except Exception:
        return value.strip()
    out: list[str] = []
    for chunk, charset in chunks:
        out.append(chunk if isinstance(chunk, str) else decode_bytes(chunk, charset))
    return "".join(out).strip()


def _safe(work: Callable[[], T], default: T) -> T:
    try:
        return work()
    except Exception:
        return default


# --- identifiers and addresses -------------------------------------------------------------


def normalise_message_id(value: str | None) -> str | None:
    if not value:
        return None
    value = _unsurrogate(_unfold(value)).strip()
    match = _ID.search(value)
    if match:
        inner = match.group(1)
    else:
        tokens = value.split()
        inner = tokens[0].strip("<>") if tokens else ""
    inner = clean_text(inner)
    if not inner:
        return None
    ident = f"<{inner}>"
    if len(ident) > MESSAGE_ID_MAX:
        # Still deterministic, so a redelivery of the same mail finds the same id.
        ident = f"<{hashlib.sha256(ident.encode('utf-8', 'replace')).hexdigest()}@long-id.invalid>"
    return ident


def synthetic_message_id(raw: bytes) -> str:
    return f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"


def _id_list(value: str | None) -> tuple[str, ...]:
    if not value:
        return ()
    value = _unsurrogate(_unfold(value))
    tokens = [f"<{m}>" for m in _ID.findall(value)] or value.split()
    seen: list[str] = []
    for token in tokens:
        ident = normalise_message_id(token)
        if ident is not None and ident not in seen:
            seen.append(ident)
    return tuple(seen[-REFERENCES_MAX:])


def _raw_items(msg: Message) -> list[tuple[str, str]]:
    """Header names and values as they came, before the policy parses them."""
    try:
        return [(str(k), str(v)) for k, v in msg.raw_items()]
    except Exception:
        return []


def _raw_values(msg: Message, name: str) -> list[str]:
    return [v for k, v in _raw_items(msg) if k.lower() == name]


def _addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) pairs; the policy's parser first, the lenient one after."""
    raws = _raw_values(msg, name)
    if not raws:
        return []

    def parsed() -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        for header in msg.get_all(name) or []:
            for address in getattr(header, "addresses", ()):
                found.append((str(address.display_name), str(address.addr_spec)))
        return found

    empty: list[tuple[str, str]] = []
    pairs = _safe(parsed, empty)
    if not any(addr for _, addr in pairs) or any(_has_surrogates(v) for v in raws):
        pairs = _safe(lambda: getaddresses([_unfold(v) for v in raws]), empty)
    result = []
    for display, addr in pairs:
        addr = clean_text(_unsurrogate(addr)).strip().strip("<>").strip()
        if addr:
            result.append((decode_header_text(display) if display else "", addr.lower()))
    return result


def _has_surrogates(value: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in value)


# --- bodies ------------------------------------------------------------------------------

_BLOCK_TAGS = {
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre",
    "table", "ul", "ol", "hr", "section", "article", "header", "footer", "dd", "dt", "address",
}
_SKIP_TAGS = {"script", "style", "head", "title", "noscript", "template"}


class _HtmlToText(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.preformatted = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":
            self.skipping = 0  # a <head> that was never closed ends here
        if tag in _SKIP_TAGS:
            self.skipping += 1
            return
        if tag == "li":
            self.parts.append("\n- ")
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag == "pre":
            self.preformatted += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self.skipping = max(0, self.skipping - 1)
            return
        if tag == "pre":
            self.preformatted = max(0, self.preformatted - 1)
        if tag in _BLOCK_TAGS and tag != "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        self.parts.append(data if self.preformatted else re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    try:
        parser = _HtmlToText()
        parser.feed(html)
        parser.close()
        text = _tidy("".join(parser.parts))
    except Exception:
        text = ""
    if not text:
        # An unclosed <style> or <script> swallows the rest: strip tags crudely instead.
        crude = re.sub(r"(?is)<(script|style)[^>]*>.*?</\1\s*>", " ", html)
        text = _tidy(re.sub(r"[ \t]+", " ", re.sub(r"(?s)<[^>]*>", " ", crude)))
    return text


def _tidy(text: str) -> str:
    lines = [line.strip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy).strip()


@dataclass
class _Collected:
    plain: list[str] = field(default_factory=list)
    html: list[str] = field(default_factory=list)
    attachments: list[MailAttachment] = field(default_factory=list)


def _content_type(part: Message) -> str:
    ctype = str(_safe(part.get_content_type, "text/plain")).lower()
    return ctype if ctype.isascii() and "/" in ctype else "application/octet-stream"


def _payload_bytes(part: Message) -> bytes:
    data = _safe(lambda: part.get_payload(decode=True), None)
    if isinstance(data, bytes):
        return data
    payload = _safe(part.get_payload, None)
    if isinstance(payload, str):
        return payload.encode("utf-8", "surrogateescape")
    return b""


def _part_text(part: Message) -> str:
    charset = _safe(part.get_content_charset, None)
    text = decode_bytes(_payload_bytes(part), charset)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _filename(part: Message) -> str | None:
    name = _safe(part.get_filename, None)
    if not name:
        # get_filename parses with the policy; fall back to the raw parameters.
        for header in ("content-disposition", "content-type"):
            for raw in _raw_values(part, header):
                match = re.search(r"""(?i)\b(?:file)?name\*?\s*=\s*"?([^";]+)"?""", _unfold(raw))
                if match:
                    name = match.group(1)
                    break
            if name:
                break
    if not name:
        return None
    return clean_text(decode_header_text(str(name))) or None


def _inner_message(part: Message) -> Message | None:
    payload = _safe(part.get_payload, None)
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _message_bytes(part: Message) -> bytes:
    inner = _inner_message(part)
    if inner is None:
        return _payload_bytes(part)
    for render in (
        lambda: inner.as_bytes(),
        lambda: inner.as_bytes(policy=policy.compat32),
        lambda: inner.as_string(policy=policy.compat32).encode("utf-8", "surrogateescape"),
    ):
        data = _safe(render, None)
        if data is not None:
            return data
    return b""


def _message_name(part: Message) -> str:
    name = _filename(part)
    if name:
        return name
    inner = _inner_message(part)
    if inner is not None:
        subjects = _raw_values(inner, "subject")
        if subjects:
            subject = re.sub(r"[^\w .,()\-]+", "", decode_header_text(subjects[0]))[:80].strip()
            if subject:
                return f"{subject}.eml"
    return "message.eml"


def _walk(part: Message, out: _Collected, depth: int) -> None:
    ctype = _content_type(part)
    maintype = ctype.split("/", 1)[0]
    if depth > MAX_DEPTH:
        out.plain.append(_part_text(part))
        return
    if ctype in ("message/rfc822", "message/global"):
        out.attachments.append(MailAttachment(_message_name(part), "message/rfc822", _message_bytes(part)))
        return
    if _safe(part.is_multipart, False):
        payload = _safe(part.get_payload, None)
        for sub in payload if isinstance(payload, list) else []:
            if isinstance(sub, Message):
                _walk(sub, out, depth + 1)
        return
    disposition = _safe(part.get_content_disposition, None)
    filename = _filename(part)
    if maintype == "multipart":  # no boundary, or none found: the payload is all there is
        out.plain.append(_part_text(part))
        return
    if ctype in ("text/plain", "text/html") and filename is None and disposition != "attachment":
        (out.plain if ctype == "text/plain" else out.html).append(_part_text(part))
        return
    out.attachments.append(
        MailAttachment(filename, ctype, _payload_bytes(part), inline=disposition == "inline")
    )


def _body_text(collected: _Collected) -> str:
    plains = [t.strip("\n") for t in collected.plain if t.strip()]
    if plains:
        return "\n\n".join(plains)
    htmls = [html_to_text(h) for h in collected.html]
    return "\n\n".join(t for t in htmls if t)


# --- the whole message -------------------------------------------------------------------


def _parse(raw: bytes) -> InboundMail:
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    headers: dict[str, str] = {}
    for name, value in _raw_items(msg):
        key = name.strip().lower()
        if key and key not in headers:
            headers[key] = clean_text(decode_header_text(value))[:HEADER_VALUE_MAX]

    collected = _Collected()
    _walk(msg, collected, 0)
    text = _body_text(collected)
    if not text and not collected.attachments:
        text = _raw_body(raw)
    text = clean_text(text)

    own_id = normalise_message_id(headers.get("message-id"))
    senders = _addresses(msg, "from") or _addresses(msg, "sender")
    from_name, from_address = senders[0] if senders else ("", None)
    return InboundMail(
        message_id=own_id or synthetic_message_id(raw),
        message_id_synthetic=own_id is None,
        in_reply_to=normalise_message_id(headers.get("in-reply-to")),
        references=_id_list(headers.get("references")),
        from_address=from_address,
        from_name=clean_text(from_name).strip() or None,
        to=tuple(addr for _, addr in _addresses(msg, "to")),
        cc=tuple(addr for _, addr in _addresses(msg, "cc")),
        subject=_subject(msg, headers),
        text=text,
        attachments=tuple(collected.attachments),
        headers=headers,
        content_type=_content_type(msg),
        report_type=_report_type(msg),
    )


def _subject(msg: Message, headers: dict[str, str]) -> str:
    raws = _raw_values(msg, "subject")
    if not raws:
        return ""
    subject = headers.get("subject", "")
    if not _has_surrogates(raws[0]):
        # The policy's decoder knows the finer points of encoded words (spaces between them).
        subject = _safe(lambda: str(msg["subject"]), subject)
    return clean_text(re.sub(r"\s+", " ", _unsurrogate(subject))).strip()


def _report_type(msg: Message) -> str | None:
    value = _safe(lambda: msg.get_param("report-type"), None)
    return str(value).strip().lower() if isinstance(value, str) and value else None


def _raw_body(raw: bytes) -> str:
    """The bytes after the header block, as text."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        _head, found, body = raw.partition(separator)
        if found:
            return decode_bytes(body, None).replace("\r\n", "\n").strip()
    return ""


def _raw_only(raw: bytes) -> InboundMail:
    return InboundMail(
        message_id=synthetic_message_id(raw),
        message_id_synthetic=True,
        in_reply_to=None,
        references=(),
        from_address=None,
        from_name=None,
        to=(),
        cc=(),
        subject="",
        text=clean_text(decode_bytes(raw, None).replace("\r\n", "\n")).strip(),
    )
