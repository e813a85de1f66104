"""Inbound mail parsing: malformed and awkward mail never raises and keeps its text."""

import pytest

from domain.mail.parse import decode_bytes, html_to_text, normalise_message_id, parse
from tests.mail_corpus import Case, corpus

CASES = corpus()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_parses_and_keeps_the_text(case: Case) -> None:
    mail = parse(case.raw)
    assert case.keeps in mail.text
    assert mail.message_id.startswith("<") and mail.message_id.endswith(">")
    if case.subject is not None:
        assert mail.subject == case.subject
    if case.attachment is not None:
        assert case.attachment in [a.filename for a in mail.attachments]
    assert "\x00" not in mail.text + mail.subject


@pytest.mark.parametrize("cut", [0, 1, 10, 57, 200, 333, 500, 900])
def test_any_prefix_of_a_mail_parses(cut: int) -> None:
    """A connection cut anywhere still gives a mail (from the bytes that arrived)."""
    raw = next(c.raw for c in CASES if c.name == "inline image and nested message")
    mail = parse(raw[:cut])
    assert isinstance(mail.text, str)
    assert mail.message_id


@pytest.mark.parametrize(
    "raw",
    [b"", b"\r\n", b"\xff\xfe\x00garbage", b"From:\r\n\r\n", b"Content-Type: multipart/mixed; boundary=\r\n\r\n--\r\n",
     b"Content-Type: message/rfc822\r\n\r\nnot a message", b"Subject: =?utf-8?B?!!!?=\r\n\r\nx",
     b"Subject: =?x-nonsense?Q?abc?=\r\n\r\ny", b"Content-Type: text/plain; charset=rot13\r\n\r\nuryyb"],
)
def test_garbage_never_raises(raw: bytes) -> None:
    mail = parse(raw)
    assert isinstance(mail.text, str)


def test_identity_and_addresses() -> None:
    raw = (
        b"From: =?utf-8?q?Ren=C3=A9e_Dupont?= <Renee@Example.COM>\r\n"
        b"To: Support <support@desk.test>, other@desk.test\r\nCc: boss@example.com\r\n"
        b"Subject: hello\r\nMessage-ID: <abc@example.com>\r\nIn-Reply-To: <p1@desk.test> (comment)\r\n"
        b"References: <root@desk.test>\r\n  <p1@desk.test> <p1@desk.test>\r\n\r\nhi\r\n"
    )
    mail = parse(raw)
    assert (mail.from_address, mail.from_name) == ("renee@example.com", "Renée Dupont")
    assert mail.to == ("support@desk.test", "other@desk.test")
    assert mail.cc == ("boss@example.com",)
    assert mail.message_id == "<abc@example.com>"
    assert not mail.message_id_synthetic
    assert mail.in_reply_to == "<p1@desk.test>"
    assert mail.references == ("<root@desk.test>", "<p1@desk.test>")


def test_a_missing_message_id_is_made_from_the_bytes() -> None:
    raw = b"From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n"
    first, again, other = parse(raw), parse(raw), parse(raw + b"more")
    assert first.message_id_synthetic
    assert first.message_id == again.message_id != other.message_id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("<a@b>", "<a@b>"),
        ("  <a@b>  ", "<a@b>"),
        ("a@b", "<a@b>"),
        ("junk <a@b> more", "<a@b>"),
        ("", None),
        (None, None),
        ("<>", None),
    ],
)
def test_normalise_message_id(value: str | None, expected: str | None) -> None:
    assert normalise_message_id(value) == expected


def test_a_very_long_message_id_is_hashed_the_same_way_each_time() -> None:
    long_id = "<" + "x" * 400 + "@example.com>"
    first = normalise_message_id(long_id)
    assert first is not None and len(first) <= 255
    assert normalise_message_id(long_id) == first


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("héllo".encode(), "utf-8", "héllo"),
        ("héllo".encode("latin-1"), "utf-8", "héllo"),  # the label lies
        ("héllo".encode(), None, "héllo"),
        ("héllo".encode("latin-1"), None, "héllo"),
        ("\u201cq\u201d".encode("cp1252"), "iso-8859-1", "\u201cq\u201d"),
        ("日本語".encode("shift_jis"), "shift_jis", "日本語"),
        ("日本語".encode("shift_jis"), "SHIFT-JIS", "日本語"),
        (b"abc", "no-such-charset", "abc"),
        ("été ok".encode() + b"\xff", None, "été ok\ufffd"),  # UTF-8 with one broken byte
    ],
)
def test_decode_bytes(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_bytes(data, charset) == expected


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>one</p><p>two</p>", "one\n\ntwo"),
        ("a<br>b<br/>c", "a\nb\nc"),
        ("<ul><li>x</li><li>y</li></ul>", "- x\n- y"),
        ("<style>p{}</style><script>bad()</script>kept", "kept"),
        ("<head><title>t</title><body>no closing head", "no closing head"),
        ("<style>never closed <p>text", "never closed text"),
        ("caf&eacute; &amp; &#8364;", "café & €"),
    ],
)
def test_html_to_text(html: str, expected: str) -> None:
    assert html_to_text(html) == expected


def test_a_plain_part_beats_html_and_files_are_attachments() -> None:
    case = next(c for c in CASES if c.name == "inline image and nested message")
    mail = parse(case.raw)
    kinds = {a.filename: (a.content_type, a.inline) for a in mail.attachments}
    assert kinds["logo.png"] == ("image/png", True)
    assert kinds["the original.eml"] == ("message/rfc822", False)
    nested = next(a for a in mail.attachments if a.content_type == "message/rfc822")
    assert b"forwarded words" in nested.data
