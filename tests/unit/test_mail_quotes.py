"""Splitting a mail reply into the new text and the quoted history: a table of what real mail
clients write (plain text, and the text parse() makes of HTML-only mail), the conservative
cases that keep everything, and bounded work on hostile input."""

import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from domain.mail.parse import parse
from domain.mail.quotes import split_reply
from server.settings import load_settings

DESK = "ACME Support <support@desk.test>"


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    new: str | None  # None: nothing is cut, the whole text is kept
    marker: str | None = None
    quoted_starts: str | None = None  # how the cut history begins


TABLE = [
    Case(
        "gmail top-posted",
        "Thanks, restarting fixed it.\n\n"
        f"On Tue, Nov 3, 2026 at 10:00 AM {DESK} wrote:\n\n"
        "> Hello Ann,\n>\n> Please restart the VPN client and try again.\n>\n> --\n> ACME Support\n",
        "Thanks, restarting fixed it.",
        "attribution",
        "On Tue, Nov 3, 2026",
    ),
    Case(
        "gmail attribution folded at 78 columns",
        "Works now.\n\nOn Tue, Nov 3, 2026 at 10:00 AM ACME Customer Support Team <\n"
        "support@desk.test> wrote:\n\n> Please restart.\n",
        "Works now.",
        "attribution",
        "On Tue, Nov 3",
    ),
    Case(
        "outlook desktop, plain text",
        "Hi,\n\nIt still fails after the restart.\n\nRegards,\nAnn\n\n"
        "-----Original Message-----\nFrom: ACME Support <support@desk.test> \n"
        "Sent: Tuesday, November 3, 2026 10:00 AM\nTo: Ann Example <ann@customer.test>\n"
        "Subject: RE: [HD-12] VPN down\n\nPlease restart the VPN client.\n",
        "Hi,\n\nIt still fails after the restart.\n\nRegards,\nAnn",
        "original message",
        "-----Original Message-----",
    ),
    Case(
        "outlook desktop header block without the original-message line",
        "It still fails.\n\nFrom: ACME Support <support@desk.test>\n"
        "Sent: Tuesday, November 3, 2026 10:00 AM\nTo: Ann Example <ann@customer.test>\n"
        "Cc: it@customer.test\nSubject: RE: [HD-12] VPN down\n\nPlease restart.",
        "It still fails.",
        "outlook header",
        "From: ACME Support",
    ),
    Case(
        "outlook on the web",
        "Still failing.\n\nGet Outlook for iOS\n________________________________\n"
        "From: ACME Support <support@desk.test>\nSent: Tuesday, November 3, 2026 10:00:12 AM\n"
        "To: ann@customer.test <ann@customer.test>\nSubject: Re: [HD-12] VPN down\n\nPlease restart.",
        "Still failing.\n\nGet Outlook for iOS",
        "outlook header",
        "________________",
    ),
    Case(
        "outlook in german",
        "Geht immer noch nicht.\n\nVon: ACME Support <support@desk.test>\n"
        "Gesendet: Dienstag, 3. November 2026 10:00\nAn: Anna <anna@kunde.test>\n"
        "Betreff: AW: [HD-12] VPN\n\nBitte neu starten.",
        "Geht immer noch nicht.",
        "outlook header",
    ),
    Case(
        "outlook in french",
        "Toujours en panne.\n\nDe : ACME Support <support@desk.test>\n"
        "Envoyé : mardi 3 novembre 2026 10:00\nÀ : Anne <anne@client.test>\n"
        "Objet : RE: [HD-12] VPN\n\nMerci de redémarrer.",
        "Toujours en panne.",
        "outlook header",
    ),
    Case(
        "outlook in spanish",
        "Sigue sin funcionar.\n\nDe: ACME Support <support@desk.test>\n"
        "Enviado el: martes, 3 de noviembre de 2026 10:00\nPara: Ana <ana@cliente.test>\n"
        "Asunto: RE: [HD-12] VPN\n\nPor favor reinicie.",
        "Sigue sin funcionar.",
        "outlook header",
    ),
    Case(
        "apple mail on ios (the attribution quoted too)",
        "Yes, on iOS 19.\n\nSent from my iPhone\n\n"
        f"> On 3 Nov 2026, at 10:00, {DESK} wrote:\n> \n> Which version do you use?\n",
        "Yes, on iOS 19.\n\nSent from my iPhone",
        "quote block",
        "> On 3 Nov 2026",
    ),
    Case(
        "apple mail on macos",
        f"Yes, macOS 15.\n\n> On 3 Nov 2026, at 10:00, {DESK} wrote:\n>\n> Which macOS?\n",
        "Yes, macOS 15.",
        "quote block",
    ),
    Case(
        "thunderbird",
        "Here is the log.\n\nOn 03/11/2026 10:00, ACME Support wrote:\n> Could you send us the log?\n",
        "Here is the log.",
        "attribution",
    ),
    Case(
        "thunderbird, dateless attribution above a quote",
        "Here is the log.\n\nACME Support wrote:\n> Could you send us the log?\n",
        "Here is the log.",
        "attribution",
    ),
    Case(
        "gmail in german, folded",
        "Danke, geht wieder.\n\nAm Di., 3. Nov. 2026 um 10:00 Uhr schrieb ACME Support <\n"
        "support@desk.test>:\n\n> Bitte neu starten.\n",
        "Danke, geht wieder.",
        "attribution",
        "Am Di., 3. Nov.",
    ),
    Case(
        "thunderbird in german",
        "Anbei das Protokoll.\n\nAm 03.11.26 um 10:00 schrieb ACME Support:\n> Bitte das Protokoll.\n",
        "Anbei das Protokoll.",
        "attribution",
    ),
    Case(
        "gmail in french (no-break space before the colon)",
        "Merci, c'est réglé.\n\n"
        f"Le mar. 3 nov. 2026 à 10:00, {DESK} a écrit\u00a0:\n\n> Merci de redémarrer.\n",
        "Merci, c'est réglé.",
        "attribution",
    ),
    Case(
        "gmail in spanish, folded before the verb",
        "Sí, ya funciona.\n\nEl mar, 3 nov 2026 a las 10:00, ACME Support (<support@desk.test>)\n"
        "escribió:\n\n> Por favor reinicie.\n",
        "Sí, ya funciona.",
        "attribution",
        "El mar, 3 nov",
    ),
    Case(
        "top-posted with a signature above the quote",
        "Attached.\n\n-- \nAnn Example\nACME Customer Ltd\n\n"
        f"On Tue, 3 Nov 2026 at 10:00, {DESK} wrote:\n> Send the log, please.\n",
        "Attached.",
        "attribution",
        "-- \nAnn Example",
    ),
    Case(
        "signature under the quote (thunderbird's option)",
        "Attached.\n\nOn 03/11/2026 10:00, ACME Support wrote:\n> Send the log.\n\n-- \nAnn\n",
        "Attached.",
        "attribution",
    ),
    Case(
        "bottom-posted",
        "On 03/11/2026 10:00, ACME Support wrote:\n> Which browser do you use?\n\nFirefox 128.\n\n-- \nAnn\n",
        "Firefox 128.",
        "attribution",
        "On 03/11/2026",
    ),
    Case(
        "bottom-posted under a bare quote block",
        "> Which browser do you use?\n> Please say the version too.\n\nFirefox 128.",
        "Firefox 128.",
        "quote block",
    ),
    Case(
        "interleaved answers keep everything",
        "On 03/11/2026 10:00, ACME Support wrote:\n> Which browser do you use?\n\nFirefox.\n\n"
        "> Which version?\n\n128.\n",
        None,
    ),
    Case(
        "text above and below a quote keeps everything",
        "See my answers:\n\nOn 03/11/2026 10:00, ACME Support wrote:\n> Which browser?\n\nFirefox.\n",
        None,
    ),
    Case("no quote at all", "The printer works again, thanks!\n\nAnn", None),
    Case("signature only", "-- \nAnn Example\nACME Customer Ltd", None),
    Case(
        "a bare -- between steps is not a signature",
        "Steps:\n1. open app\n--\n2. click save\n3. crash\nPlease fix?",
        None,
    ),
    Case("a bare -- above a question is not a signature", "It fails.\n--\nAny idea why?", None),
    Case(
        "a bare -- above a short card is a signature (HTML lost its space)",
        "Works now.\n--\nAnn Example\nACME Customer Ltd",
        "Works now.",
        "signature",
        "--",
    ),
    Case(
        "signature below the text",
        "Works now.\n-- \nAnn Example\n+44 20 7946 0000",
        "Works now.",
        "signature",
    ),
    Case(
        "html-derived signature separator without its space, short block",
        "Works now.\n--\nAnn Example",
        "Works now.",
        "signature",
    ),
    Case(
        "a '--' line above a long text is a divider, not a signature",
        "Part one.\n--\n" + "\n".join(f"detail {n}" for n in range(12)),
        None,
    ),
    Case("everything quoted", "> Which browser?\n> Which version?\n", None),
    Case(
        "only an attribution and its quote",
        "On Tue, 3 Nov 2026 at 10:00, ACME Support wrote:\n> Which browser?\n",
        None,
    ),
    # Decided: a lone ">" line is text (a "> 5 items", an arrow), not a quote; two or more
    # in a row, or one under an attribution, are.
    Case("a lone '>' line in the text", "We need:\n> 5 items\nby Friday, please.", None),
    Case(
        "'>' lines with the sender's text below them keep everything",
        "We need:\n> 5 items\n> 3 boxes\nby Friday, please.",
        None,
    ),
    Case(
        "'wrote:' in a sentence is not an attribution",
        "As my colleague wrote:\nthe server is down since Monday.\n",
        None,
    ),
    Case(
        "an address before a colon is not an attribution",
        "I wrote to help@vendor.test:\nno answer yet.",
        None,
    ),
    Case(
        "a forward inside a reply is content",
        "See the mail below.\n\n---------- Forwarded message ---------\nFrom: Bob <bob@vendor.test>\n"
        "Date: Mon, 2 Nov 2026\nSubject: invoice\n\nOn Mon, 2 Nov 2026, Carl wrote:\n> hi\n> there",
        None,
    ),
    Case(
        "an outlook forward inside a reply is content",
        "Please look at this.\n\nFrom: Bob <bob@vendor.test>\nSent: Monday, November 2, 2026\n"
        "To: Ann\nSubject: FW: invoice 42\n\nThe invoice.",
        None,
    ),
    # An opener, a closing verb and a bare number are the sender's prose, not a client's
    # attribution (which carries a year, a time or a numeric date, or an address).
    Case(
        "'On step 2 … writes:' in the sender's text is not an attribution",
        "Hi,\n\nOn step 2 the installer writes:\n\"Error 0x80070005: access denied\"\n"
        "What should I do? The order is urgent.",
        None,
    ),
    Case(
        "'Am 3. März schrieb …:' in the sender's text is not an attribution",
        "Hallo,\nAm 3. März schrieb mir Ihr Kollege Folgendes:\nBitte warten Sie.\n"
        "Ich warte seit zwei Wochen! Bitte rufen Sie mich an.",
        None,
    ),
    Case(
        "'Le 3 mars … a écrit :' in the sender's text is not an attribution",
        "Bonjour,\nLe 3 mars, votre technicien a écrit :\nredémarrez.\n"
        "Mais cela ne marche toujours pas, que faire ?",
        None,
    ),
    Case(
        "a form with From, Date and Subject is not a header block",
        "Please update the shipment:\nFrom: Hamburg warehouse\nDate: 2026-03-14\n"
        "Subject: pallet 7 damaged\n\nPlease call me back today.",
        None,
    ),
    Case(
        "a header block without addresses under a reply subject",
        "It still fails.\n\nFrom: ACME Support\nSent: Tuesday, November 3, 2026 10:00 AM\n"
        "To: Ann Example\nSubject: RE: [HD-12] VPN down\n\nPlease restart.",
        "It still fails.",
        "outlook header",
        "From: ACME Support",
    ),
    Case(
        "an itinerary is not a header block",
        "Please change my booking.\nFrom: Paris\nTo: Berlin\nDate: 3 Nov 2026\n\nThanks.",
        None,
    ),
    Case(
        "crlf line breaks",
        f"Fixed.\r\n\r\nOn Tue, 3 Nov 2026 at 10:00, {DESK} wrote:\r\n> Restart.\r\n> Thanks.\r\n",
        "Fixed.",
        "attribution",
    ),
]


@pytest.mark.parametrize("case", TABLE, ids=[c.name for c in TABLE])
def test_the_table(case: Case) -> None:
    split = split_reply(case.text)
    if case.new is None:
        assert (split.new, split.quoted, split.marker, split.cut) == (case.text, "", None, False)
        return
    assert split.new == case.new
    assert split.marker == case.marker and split.cut
    assert "\r" not in split.new
    if case.quoted_starts is not None:
        assert split.quoted.startswith(case.quoted_starts), split.quoted


@pytest.mark.parametrize("case", TABLE, ids=[c.name for c in TABLE])
def test_the_new_part_is_never_empty_and_is_the_sender_s_own_text(case: Case) -> None:
    split = split_reply(case.text)
    normalised = case.text.replace("\r\n", "\n")
    assert split.new.strip()
    assert split.new in normalised
    # Nothing is lost between the two parts: every line is in one of them.
    for line in normalised.split("\n"):
        assert line.strip() in split.new or line.strip() in split.quoted


def html_mail(html: str) -> str:
    raw = (
        "From: Ann <ann@customer.test>\r\nTo: support@desk.test\r\nSubject: Re: VPN\r\n"
        "Message-ID: <html-reply@customer.test>\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + html
    ).encode()
    return parse(raw).text


def test_gmail_html_only_reply() -> None:
    text = html_mail(
        '<div dir="ltr">Thanks, it works.<div><br></div><div>Ann</div></div><br>'
        '<div class="gmail_quote"><div dir="ltr" class="gmail_attr">On Tue, Nov 3, 2026 at 10:00 AM '
        'ACME Support &lt;<a href="mailto:support@desk.test">support@desk.test</a>&gt; wrote:<br></div>'
        '<blockquote class="gmail_quote" style="margin:0px 0px 0px 0.8ex">'
        "<div>Please restart the VPN client.</div></blockquote></div>"
    )
    split = split_reply(text)
    assert split.new == "Thanks, it works.\n\nAnn"
    assert "Please restart" in split.quoted


def test_outlook_html_only_reply() -> None:
    text = html_mail(
        "<html><body><p>It still fails.</p><p>Ann</p>"
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt;padding:3.0pt 0cm 0cm 0cm">'
        "<p><b>From:</b> ACME Support &lt;support@desk.test&gt; <br><b>Sent:</b> Tuesday, "
        "November 3, 2026 10:00 AM<br><b>To:</b> Ann &lt;ann@customer.test&gt;<br>"
        "<b>Subject:</b> RE: [HD-12] VPN down</p></div><p>Please restart.</p></body></html>"
    )
    split = split_reply(text)
    assert split.new == "It still fails.\n\nAnn"
    assert split.marker == "outlook header"


def test_an_html_only_bottom_posted_reply_is_kept_whole() -> None:
    """Without ">" marks, where the quote ends and the answer starts cannot be told."""
    text = html_mail(
        "<div>On 3 Nov 2026, at 10:00, ACME Support &lt;support@desk.test&gt; wrote:</div>"
        '<blockquote type="cite"><div>Which browser?</div></blockquote><div>Firefox.</div>'
    )
    assert not split_reply(text).cut


HOSTILE = {
    "one megabyte line": "a" * 1_000_000,
    "a long attribution-like line": "On 3 Nov " + "x " * 500_000 + "wrote:",
    "dashes": "-" * 1_000_000,
    "underscores": "_" * 1_000_000,
    "quoted lines": "> x\n" * 250_000,
    "quote, answer, quote": "> q\n> q\nanswer\n" * 70_000,
    "attribution-like lines": "Support wrote:\n" * 66_000,
    "header-like lines": "From: x\nSent: y\n" * 60_000,
    "folded openers": "On 3 Nov <\n" * 90_000 + "x@y> wrote:",
    "blank lines after a verb": "a\nSupport wrote:" + "\n" * 1_000_000,
    "spaces": " " * 1_000_000,
    "no-break spaces and colons": "\u00a0:" * 500_000,
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=list(HOSTILE))
def test_a_megabyte_of_hostile_text_is_split_quickly(text: str) -> None:
    started = time.perf_counter()
    split = split_reply(text)
    elapsed = time.perf_counter() - started
    assert split.new.strip() or not text.strip()
    # Linear work takes well under a second here; backtracking would take minutes.
    assert elapsed < 3, elapsed


def test_a_long_real_reply_is_split() -> None:
    history = "".join(f"> line {n} of the old thread\n" for n in range(40_000))
    split = split_reply(f"New answer.\n\nOn 3 Nov 2026, ACME Support wrote:\n{history}")
    assert split.new == "New answer."


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("off", False), ("on", True), ("0", False)])
def test_the_setting(value: str | None, expected: bool, tmp_path: Path) -> None:
    environ = {"HELPDESK_SECRET_KEY": "k"}
    if value is not None:
        environ["HELPDESK_MAIL_STRIP_QUOTES"] = value
    assert load_settings(environ, env_file=tmp_path / ".env").mail_strip_quotes is expected
