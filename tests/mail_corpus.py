"""Malformed and awkward mail, built here byte by byte: each case names a text that must
survive parsing (and, over SMTP, end up on a ticket)."""

import base64
from dataclasses import dataclass

CRLF = b"\r\n"


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    keeps: str  # a piece of the text that must be in the parsed body
    subject: str | None = None  # the decoded subject, when the case is about it
    attachment: str | None = None  # a file name that must be among the attachments


def mail(headers: list[bytes], body: bytes, *, tag: str) -> bytes:
    """`tag` makes the Message-ID unique per case (and per test run, when the caller adds one)."""
    lines = [*headers, b"Message-ID: <corpus-" + tag.encode() + b"@corpus.test>"]
    return CRLF.join(lines) + CRLF + CRLF + body


FROM = b"From: Corpus Sender <corpus@sender.test>"


def corpus(run: str = "") -> list[Case]:
    """`run` goes into every Message-ID, so a test can send the corpus to a desk that has
    already seen it."""

    def tag(name: str) -> str:
        return f"{name}-{run}" if run else name

    nested = mail([b"From: inner@sender.test", b"Subject: the original"], b"forwarded words", tag=tag("inner"))
    pixel = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 20)
    cases = [
        Case(
            "truncated multipart",
            mail([FROM, b"Subject: truncated", b"Content-Type: multipart/mixed; boundary=XYZ"],
                 b"--XYZ\r\nContent-Type: text/plain\r\n\r\nthe first part survives\r\n--XYZ\r\n"
                 b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBER",
                 tag=tag("truncated")),
            "the first part survives",
        ),
        Case(
            "missing boundary",
            mail([FROM, b"Subject: no boundary", b"Content-Type: multipart/mixed"],
                 b"text of a multipart without a boundary\r\n", tag=tag("no-boundary")),
            "text of a multipart without a boundary",
        ),
        Case(
            "boundary never found",
            mail([FROM, b"Subject: wrong boundary", b"Content-Type: multipart/alternative; boundary=AAA"],
                 b"--BBB\r\nContent-Type: text/plain\r\n\r\nwrong boundary text\r\n--BBB--\r\n",
                 tag=tag("wrong-boundary")),
            "wrong boundary text",
        ),
        Case(
            "bad base64",
            mail([FROM, b"Subject: bad base64", b"Content-Type: text/plain; charset=utf-8",
                  b"Content-Transfer-Encoding: base64"],
                 base64.b64encode(b"broken base64 body").rstrip(b"=")[:-1] + b"!!\r\n*&^",
                 tag=tag("bad-base64")),
            "broken base64 bo",
        ),
        Case(
            "bad quoted-printable",
            mail([FROM, b"Subject: bad qp", b"Content-Type: text/plain; charset=iso-8859-1",
                  b"Content-Transfer-Encoding: quoted-printable"],
                 b"caf=E9 and =ZZ broken =\r\nsoft break and a lone = at the end =", tag=tag("bad-qp")),
            "café and =ZZ broken soft break",
        ),
        Case(
            "8-bit bytes in headers",
            mail(["From: Jörg Müller <joerg@sender.test>".encode("latin-1"),
                  "Subject: Grüße aus Köln".encode("latin-1")],
                 b"plain body under 8-bit headers", tag=tag("8bit-headers")),
            "plain body under 8-bit headers",
            subject="Grüße aus Köln",
        ),
        Case(
            "unknown charset",
            mail([FROM, b"Subject: unknown charset", b"Content-Type: text/plain; charset=x-klingon-1"],
                 "unknown charset naïve text".encode(), tag=tag("unknown-charset")),
            "unknown charset naïve text",
        ),
        Case(
            "charset that lies",
            mail([FROM, b"Subject: lying charset", b"Content-Type: text/plain; charset=utf-8"],
                 "déclaré utf-8 mais écrit en latin-1".encode("latin-1"), tag=tag("lying-charset")),
            "déclaré utf-8 mais écrit en latin-1",
        ),
        Case(
            "no From",
            mail([b"Subject: nobody sent this", b"To: support@desk.test"], b"a mail without From",
                 tag=tag("no-from")),
            "a mail without From",
        ),
        Case(
            "empty body",
            mail([FROM, b"Subject: only a subject here"], b"", tag=tag("empty-body")),
            "",
            subject="only a subject here",
        ),
        Case(
            "huge single line",
            mail([FROM, b"Subject: one long line"], b"start " + b"x" * 120_000 + b" end-of-huge-line",
                 tag=tag("huge-line")),
            "end-of-huge-line",
        ),
        Case(
            "encoded-word subject",
            mail([FROM, b"Subject: =?utf-8?B?UHJvYmzDqG1l?= =?utf-8?Q?_d=E2=80=99imprimante?= "
                        b"=?iso-8859-1?q?_=E0_Z=FCrich?="],
                 b"subject in encoded words", tag=tag("encoded-subject")),
            "subject in encoded words",
            subject="Problème d\u2019imprimante à Zürich",
        ),
        Case(
            "ISO-8859-1 body",
            mail([FROM, b"Subject: latin-1", b"Content-Type: text/plain; charset=ISO-8859-1",
                  b"Content-Transfer-Encoding: 8bit"],
                 "Le problème est réglé à moitié".encode("latin-1"), tag=tag("latin1")),
            "Le problème est réglé à moitié",
        ),
        Case(
            "Shift_JIS body",
            mail([FROM, b"Subject: =?ISO-2022-JP?B?GyRCJDMkcyRLJEEkTxsoQg==?=",
                  b"Content-Type: text/plain; charset=Shift_JIS", b"Content-Transfer-Encoding: 8bit"],
                 "プリンターが動きません".encode("shift_jis"), tag=tag("sjis")),
            "プリンターが動きません",
            subject="こんにちは",
        ),
        Case(
            "windows-1252 labelled latin-1",
            mail([FROM, b"Subject: smart quotes", b"Content-Type: text/plain; charset=iso-8859-1",
                  b"Content-Transfer-Encoding: 8bit"],
                 "It\u2019s \u201cbroken\u201d \u2014 costs 5\u20ac".encode("cp1252"), tag=tag("cp1252")),
            "It\u2019s \u201cbroken\u201d \u2014 costs 5\u20ac",
        ),
        Case(
            "HTML only",
            mail([FROM, b"Subject: html only", b"Content-Type: text/html; charset=utf-8"],
                 b"<html><head><title>T</title><style>p{color:red}</style></head><body>"
                 b"<p>Hello&nbsp;team,</p><div>the printer<br>is on fire</div>"
                 b"<script>alert('x')</script><ul><li>first</li><li>second</li></ul></body></html>",
                 tag=tag("html-only")),
            "the printer\nis on fire",
        ),
        Case(
            "multipart/alternative",
            mail([FROM, b"Subject: alternative", b"MIME-Version: 1.0",
                  b'Content-Type: multipart/alternative; boundary="alt"'],
                 b"--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nthe plain version\r\n"
                 b"--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>the html version</p>\r\n--alt--\r\n",
                 tag=tag("alternative")),
            "the plain version",
        ),
        Case(
            "attachment with RFC 2231 filename",
            mail([FROM, b"Subject: attachment", b'Content-Type: multipart/mixed; boundary="mix"'],
                 b"--mix\r\nContent-Type: text/plain\r\n\r\nplease see the file\r\n"
                 b"--mix\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 b"Content-Disposition: attachment;\r\n filename*0*=utf-8''r%C3%A9sum%C3%A9%20;\r\n"
                 b" filename*1*=final.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n"
                 + base64.b64encode(b"resume contents") + b"\r\n--mix--\r\n",
                 tag=tag("rfc2231")),
            "please see the file",
            attachment="résumé final.txt",
        ),
        Case(
            "inline image and nested message",
            mail([FROM, b"Subject: forwarded", b'Content-Type: multipart/mixed; boundary="out"'],
                 b"--out\r\nContent-Type: text/plain\r\n\r\nsee the forwarded mail\r\n"
                 b"--out\r\nContent-Type: image/png; name=\"logo.png\"\r\nContent-Disposition: inline\r\n"
                 b"Content-ID: <logo@x>\r\nContent-Transfer-Encoding: base64\r\n\r\n" + pixel + b"\r\n"
                 b"--out\r\nContent-Type: message/rfc822\r\n\r\n" + nested + b"\r\n--out--\r\n",
                 tag=tag("nested")),
            "see the forwarded mail",
            attachment="the original.eml",
        ),
        Case(
            "NUL and control bytes",
            mail([FROM, b"Subject: nul\x00bytes"], b"text\x00 with NUL\x01 bytes", tag=tag("nul")),
            "text with NUL bytes",
        ),
        Case(
            "deeply nested multiparts",
            mail([FROM, b"Subject: deep", b"Content-Type: multipart/mixed; boundary=b0"],
                 b"".join(b"--b%d\r\nContent-Type: multipart/mixed; boundary=b%d\r\n\r\n" % (i, i + 1)
                          for i in range(60))
                 + b"--b60\r\nContent-Type: text/plain\r\n\r\ndeep down text\r\n--b60--\r\n",
                 tag=tag("deep")),
            "deep down text",
        ),
        Case(
            "broken header lines",
            mail([FROM, b"Subject: broken headers", b"this line is not a header",
                  b"Content-Type: text/plain; charset=\"utf-8"],
                 b"body after broken headers", tag=tag("broken-headers")),
            "body after broken headers",
        ),
    ]
    return cases
