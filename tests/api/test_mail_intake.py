"""Inbound mail through a real SMTP conversation (stdlib smtplib) with the receiver of a
`helpdesk serve` process on a desk of its own; what became of each mail is read back through
GraphQL. The receiver answers 250 only once the mail is stored, so no polling is needed."""

import smtplib
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import make_msgid
from typing import Any

import httpx
import pytest

from tests.api.own_desk import OwnDesk, own_desk
from tests.backends import Backend
from tests.conftest import REPO, free_port, stop_process
from tests.gql import GraphQL
from tests.mail_corpus import corpus

DESK_ADDRESS = "support@desk.test"
MAX_BYTES = 400_000

TICKET_FIELDS = """
  id key subject description source status waitReason
  customer { name email }
  attachments { filename contentType size }
  messages { body channel authorKind attachments { filename } }
"""


@pytest.fixture(scope="module")
def smtp_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory, backend: Backend, smtp_port: int) -> Iterator[OwnDesk]:
    settings = {
        "HELPDESK_TRIAGE": "off",
        "HELPDESK_SMTP_LISTEN_PORT": str(smtp_port),
        "HELPDESK_MAIL_MAX_BYTES": str(MAX_BYTES),
        "HELPDESK_MAIL_ADDRESS": DESK_ADDRESS,
    }
    with own_desk(tmp_path_factory.mktemp("mail-intake"), settings) as desks:
        yield desks[0]


def send(port: int, raw: bytes, *, mail_from: str = "sender@customer.test", to: str = DESK_ADDRESS) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as client:
        refused = client.sendmail(mail_from, [to], raw)
        assert not refused


def new_mail(
    subject: str,
    body: str,
    *,
    sender: str,
    name: str | None = None,
    in_reply_to: str | None = None,
    references: str | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[EmailMessage, str]:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>" if name else sender
    message["To"] = DESK_ADDRESS
    message["Subject"] = subject
    message_id = make_msgid(domain="customer.test")
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for key, value in (headers or {}).items():
        message[key] = value
    message.set_content(body)
    return message, message_id


def find(desk: OwnDesk, text: str) -> list[dict[str, Any]]:
    data = desk.gql.ok(
        f"query($t: String!) {{ tickets(filter: {{text: $t}}, first: 50) {{ nodes {{ {TICKET_FIELDS} }} }} }}",
        {"t": text},
        desk.admin,
    )
    nodes: list[dict[str, Any]] = data["tickets"]["nodes"]
    return nodes


def the_ticket(desk: OwnDesk, text: str) -> dict[str, Any]:
    found = find(desk, text)
    assert len(found) == 1, found
    return found[0]


def by_id(desk: OwnDesk, ticket_id: str) -> dict[str, Any]:
    query = f"query($id: ID!) {{ ticket(id: $id) {{ {TICKET_FIELDS} }} }}"
    ticket: dict[str, Any] = desk.gql.ok(query, {"id": ticket_id}, desk.admin)["ticket"]
    return ticket


def ticket_count(desk: OwnDesk) -> int:
    return int(desk.gql.ok("{ tickets(first: 0) { totalCount } }", None, desk.admin)["tickets"]["totalCount"])


def unique() -> str:
    return uuid.uuid4().hex[:10]


def test_a_new_mail_opens_an_email_ticket_for_a_new_customer(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    sender = f"zoe-{tag}@customer.test"
    message, _ = new_mail(f"Printer on fire {tag}", "It smokes.\nPlease help.", sender=sender,
                          name="Zoë Example")
    message.add_attachment(b"%PDF-1.4 report", maintype="application", subtype="pdf", filename="report.pdf")
    message.add_attachment(b"MZ...", maintype="application", subtype="x-msdownload", filename="setup.exe")
    send(smtp_port, message.as_bytes(policy=SMTP), mail_from=sender)

    ticket = the_ticket(desk, tag)
    assert ticket["subject"] == f"Printer on fire {tag}"
    assert ticket["source"] == "EMAIL"
    assert ticket["status"] == "NEW"
    assert ticket["customer"] == {"name": "Zoë Example", "email": sender}
    assert ticket["description"].startswith("It smokes.\nPlease help.")
    assert [(a["filename"], a["contentType"], a["size"]) for a in ticket["attachments"]] == [
        ("report.pdf", "application/pdf", len(b"%PDF-1.4 report"))
    ]
    # The refused file is named on the ticket, and the mail was kept all the same.
    assert "Attachment not kept" in ticket["description"] and "setup.exe" in ticket["description"]
    assert ticket["messages"] == []


def test_replies_thread_by_in_reply_to_and_references(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    sender = f"ann-{tag}@customer.test"
    first, first_id = new_mail(f"VPN down {tag}", "The VPN is down.", sender=sender)
    send(smtp_port, first.as_bytes(policy=SMTP), mail_from=sender)

    reply, reply_id = new_mail(f"Re: VPN down {tag}", "Still down, screenshot attached.", sender=sender,
                               in_reply_to=first_id, references=first_id)
    reply.add_attachment(b"\x89PNG\r\n\x1a\nshot", maintype="image", subtype="png", filename="shot.png")
    send(smtp_port, reply.as_bytes(policy=SMTP), mail_from=sender)
    # Its In-Reply-To names a mail the desk never saw; References name the earlier reply.
    third, _ = new_mail("Re: Re: VPN", "Working again, thanks.", sender=sender,
                        in_reply_to="<unknown@elsewhere.test>", references=f"{first_id} {reply_id}")
    send(smtp_port, third.as_bytes(policy=SMTP), mail_from=sender)

    ticket = the_ticket(desk, tag)
    bodies = [m["body"] for m in ticket["messages"]]
    assert bodies == ["Still down, screenshot attached.", "Working again, thanks."]
    assert {m["channel"] for m in ticket["messages"]} == {"EMAIL"}
    assert {m["authorKind"] for m in ticket["messages"]} == {"CUSTOMER"}
    assert ticket["messages"][0]["attachments"] == [{"filename": "shot.png"}]
    assert ticket["status"] == "NEW"


def test_a_subject_key_threads_only_for_the_ticket_s_customer(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    sender = f"bob-{tag}@customer.test"
    first, first_id = new_mail(f"Laptop {tag}", "The laptop is slow.", sender=sender)
    send(smtp_port, first.as_bytes(policy=SMTP), mail_from=sender)
    ticket = the_ticket(desk, tag)

    by_key, _ = new_mail(f"[{ticket['key']}] more", "It got slower.", sender=sender)
    send(smtp_port, by_key.as_bytes(policy=SMTP), mail_from=sender)
    # Someone else naming the key, or answering the thread, gets a ticket of their own.
    stranger = f"eve-{tag}@elsewhere.test"
    other, _ = new_mail(f"[{ticket['key']}] hijack {tag}-eve1", "Mine now.", sender=stranger)
    send(smtp_port, other.as_bytes(policy=SMTP), mail_from=stranger)
    cc_reply, _ = new_mail(f"Re: Laptop {tag}-eve2", "Same here.", sender=stranger, in_reply_to=first_id)
    send(smtp_port, cc_reply.as_bytes(policy=SMTP), mail_from=stranger)

    # The customer's own address with a From the receiving server could not verify: a
    # known key alone is not enough.
    forged, _ = new_mail(f"[{ticket['key']}] forged {tag}-forged", "Send me the data.", sender=sender,
                         headers={"Authentication-Results": "mx.desk.test; spf=fail smtp.mailfrom=customer.test"})
    send(smtp_port, forged.as_bytes(policy=SMTP), mail_from=sender)

    assert [m["body"] for m in by_id(desk, ticket["id"])["messages"]] == ["It got slower."]
    assert the_ticket(desk, f"{tag}-forged")["id"] != ticket["id"]
    assert the_ticket(desk, f"{tag}-eve1")["customer"]["email"] == stranger
    answered = the_ticket(desk, f"{tag}-eve2")
    assert answered["customer"]["email"] == stranger
    assert f"answers {ticket['key']}" in answered["description"]


def test_the_customer_s_reply_resumes_a_ticket_waiting_on_them(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    sender = f"cid-{tag}@customer.test"
    first, first_id = new_mail(f"Password {tag}", "Reset please.", sender=sender)
    send(smtp_port, first.as_bytes(policy=SMTP), mail_from=sender)
    ticket = the_ticket(desk, tag)
    waiting = desk.gql.ok(
        "mutation($t: ID!) { setWaiting(ticketId: $t, reason: CUSTOMER) { status waitReason } }",
        {"t": ticket["id"]},
        desk.admin,
    )["setWaiting"]
    assert waiting == {"status": "WAITING", "waitReason": "CUSTOMER"}

    reply, _ = new_mail(f"Re: Password {tag}", "My user name is cid.", sender=sender, in_reply_to=first_id)
    send(smtp_port, reply.as_bytes(policy=SMTP), mail_from=sender)
    after = the_ticket(desk, tag)
    assert (after["status"], after["waitReason"]) == ("OPEN", None)
    assert [m["body"] for m in after["messages"]] == ["My user name is cid."]


def test_a_reply_is_stored_without_the_history_its_client_quoted(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    sender = f"hal-{tag}@customer.test"
    # A first mail keeps its whole text: a quoted or forwarded conversation is its content.
    opening = (f"FYI, see below. {tag}\n\nOn Mon, 2 Nov 2026 at 09:00, Bob <bob@vendor.test> wrote:\n"
               "> The licence expires on Friday.\n> Bob\n")
    first, first_id = new_mail(f"Licence {tag}", opening, sender=sender)
    send(smtp_port, first.as_bytes(policy=SMTP), mail_from=sender)
    ticket = the_ticket(desk, tag)
    assert "> The licence expires on Friday." in ticket["description"]
    assert ticket["attachments"] == []

    # An HTML-only reply from Outlook: the desk's mail below a From/Sent/To/Subject block.
    html, _ = new_mail(f"RE: [{ticket['key']}] Licence", "", sender=sender, in_reply_to=first_id)
    html.set_content(
        f"<html><body><p>It expires on the 6th. {tag}-html</p><p>Hal</p>"
        '<div style="border:none;border-top:solid #E1E1E1 1.0pt"><p><b>From:</b> ACME Support '
        f"&lt;{DESK_ADDRESS}&gt;<br><b>Sent:</b> Tuesday, November 3, 2026 10:00 AM<br>"
        f"<b>To:</b> Hal &lt;{sender}&gt;<br><b>Subject:</b> RE: [{ticket['key']}] Licence</p></div>"
        "<p>When does it expire?</p></body></html>",
        subtype="html",
    )
    send(smtp_port, html.as_bytes(policy=SMTP), mail_from=sender)
    # Answers between quoted lines: nothing can be dropped without losing one.
    interleaved = (f"On Tue, 3 Nov 2026 at 10:00, ACME Support <{DESK_ADDRESS}> wrote:\n"
                   f"> Which licence?\n\nThe server one. {tag}-between\n\n> Which year?\n\n2026.\n")
    answers, _ = new_mail(f"Re: [{ticket['key']}] Licence", interleaved, sender=sender, in_reply_to=first_id)
    send(smtp_port, answers.as_bytes(policy=SMTP), mail_from=sender)

    messages = by_id(desk, ticket["id"])["messages"]
    assert [m["body"] for m in messages] == [f"It expires on the 6th. {tag}-html\n\nHal", interleaved.strip()]
    assert messages[0]["attachments"] == [{"filename": "original-message.txt"}]
    assert messages[1]["attachments"] == []


def test_a_reply_to_a_closed_ticket_opens_a_new_one(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    sender = f"dan-{tag}@customer.test"
    first, first_id = new_mail(f"Monitor {tag}", "Flickers.", sender=sender)
    send(smtp_port, first.as_bytes(policy=SMTP), mail_from=sender)
    old = the_ticket(desk, tag)
    for mutation in ("resolveTicket", "closeTicket"):
        desk.gql.ok(f"mutation($t: ID!) {{ {mutation}(ticketId: $t) {{ status }} }}", {"t": old["id"]}, desk.admin)

    reply, _ = new_mail(f"Re: Monitor {tag}-again", "It flickers again.", sender=sender, in_reply_to=first_id)
    send(smtp_port, reply.as_bytes(policy=SMTP), mail_from=sender)
    follow_up = the_ticket(desk, f"{tag}-again")
    assert follow_up["id"] != old["id"]
    assert old["key"] in follow_up["description"]
    assert by_id(desk, old["id"])["messages"] == []


def test_auto_replies_and_bounces_open_nothing(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    sender = f"fay-{tag}@customer.test"
    first, first_id = new_mail(f"Mouse {tag}", "Broken mouse.", sender=sender)
    send(smtp_port, first.as_bytes(policy=SMTP), mail_from=sender)
    ticket = the_ticket(desk, tag)
    before = ticket_count(desk)

    vacation, _ = new_mail(f"Out of office: [{ticket['key']}] {tag}", "I am away.", sender=sender,
                           in_reply_to=first_id, headers={"Auto-Submitted": "auto-replied"})
    send(smtp_port, vacation.as_bytes(policy=SMTP), mail_from=sender)
    exchange, _ = new_mail(f"Automatic reply {tag}", "Away too.", sender=sender,
                           headers={"X-Auto-Response-Suppress": "All", "Auto-Submitted": "auto-generated"})
    send(smtp_port, exchange.as_bytes(policy=SMTP), mail_from=sender)
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.customer.test>\r\n"
        f"To: {DESK_ADDRESS}\r\nSubject: Undelivered Mail Returned to Sender {tag}\r\n"
        f"Message-ID: <bounce-{tag}@mx.customer.test>\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n\r\n'
        "--r\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--r\r\nContent-Type: message/delivery-status\r\n\r\nStatus: 5.1.1\r\n--r--\r\n"
    ).encode()
    send(smtp_port, bounce, mail_from="")

    assert ticket_count(desk) == before
    assert the_ticket(desk, tag)["messages"] == []


def test_the_same_message_id_twice_gives_one_ticket(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    sender = f"gus-{tag}@customer.test"
    message, _ = new_mail(f"Duplicate {tag}", "Sent twice.", sender=sender)
    send(smtp_port, message.as_bytes(policy=SMTP), mail_from=sender)
    send(smtp_port, message.as_bytes(policy=SMTP), mail_from=sender)
    assert len(find(desk, tag)) == 1

    # Two deliveries of one mail at the same moment, on two connections.
    racing, _ = new_mail(f"Racing {tag}", "Sent by two relays at once.", sender=sender)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def deliver() -> None:
        try:
            start.wait()
            send(smtp_port, racing.as_bytes(policy=SMTP), mail_from=sender)
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(find(desk, f"Racing {tag}")) == 1


def test_every_mail_of_the_malformed_corpus_is_accepted_and_stored(desk: OwnDesk, smtp_port: int) -> None:
    run = unique()
    cases = corpus(run)
    before = ticket_count(desk)
    for case in cases:
        send(smtp_port, case.raw, mail_from=f"corpus-{run}@sender.test")
    assert ticket_count(desk) == before + len(cases)

    tickets = desk.gql.ok(
        f"{{ tickets(filter: {{source: [EMAIL]}}, first: 200) {{ nodes {{ {TICKET_FIELDS} }} }} }}",
        None,
        desk.admin,
    )["tickets"]["nodes"]
    recent = tickets
    for case in cases:
        if case.name == "huge single line":
            # Longer than a description: cut there, and kept whole as a file.
            holders = [t for t in recent if "start xxxx" in t["description"]]
            assert len(holders) == 1
            assert "was cut" in holders[0]["description"]
            assert "mail-text.txt" in [a["filename"] for a in holders[0]["attachments"]]
            continue
        if case.keeps:
            assert any(case.keeps in t["description"] for t in recent), case.name
        if case.subject is not None:
            assert any(t["subject"] == case.subject for t in recent), case.name
        if case.attachment is not None:
            names = [a["filename"] for t in recent for a in t["attachments"]]
            assert case.attachment in names, case.name


def test_a_message_over_the_size_limit_is_refused_with_552(desk: OwnDesk, smtp_port: int) -> None:
    tag = unique()
    lines = ("x" * 99 + "\n") * (MAX_BYTES // 100 + 100)
    big, _ = new_mail(f"Big {tag}", lines, sender=f"big-{tag}@customer.test")
    raw = big.as_bytes(policy=SMTP)
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as client:
        # With the SIZE extension the client declares the size and is refused up front ...
        with pytest.raises(smtplib.SMTPSenderRefused) as refused:
            client.sendmail(f"big-{tag}@customer.test", [DESK_ADDRESS], raw)
        assert refused.value.smtp_code == 552
    with smtplib.SMTP("127.0.0.1", smtp_port, timeout=60) as client:
        # ... without it, after the data.
        client.ehlo()
        assert client.mail(f"big-{tag}@customer.test")[0] == 250
        assert client.rcpt(DESK_ADDRESS)[0] == 250
        code, _ = client.data(raw)
        assert code == 552
    assert find(desk, tag) == []


def _wait_for_smtp(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the process exited: {process.stderr.read() if process.stderr else ''}")
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
                client.noop()
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_helpdesk_smtp_runs_as_a_process_of_its_own(desk: OwnDesk) -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "smtp", "--port", str(port)],
        env=desk.env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_for_smtp(port, process)
        tag = unique()
        sender = f"solo-{tag}@customer.test"
        message, _ = new_mail(f"Through helpdesk smtp {tag}", "Received by its own process.", sender=sender)
        send(port, message.as_bytes(policy=SMTP), mail_from=sender)
    finally:
        stop_process(process)
    ticket = the_ticket(desk, tag)
    assert (ticket["source"], ticket["customer"]["email"]) == ("EMAIL", sender)


def test_serve_takes_the_smtp_port_on_its_command_line(desk: OwnDesk) -> None:
    port, smtp = free_port(), free_port()
    env = {k: v for k, v in desk.env.items() if k != "HELPDESK_SMTP_LISTEN_PORT"}
    process = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--port", str(port), "--smtp-port", str(smtp)],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        _wait_for_smtp(smtp, process)
        tag = unique()
        sender = f"flag-{tag}@customer.test"
        message, _ = new_mail(f"Through serve --smtp-port {tag}", "Hello.", sender=sender)
        send(smtp, message.as_bytes(policy=SMTP), mail_from=sender)
        # The API of that process sees it too.
        other = GraphQL(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{other.base_url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        found = other.ok("query($t: String!) { tickets(filter: {text: $t}) { nodes { source } } }",
                         {"t": tag}, desk.admin)["tickets"]["nodes"]
        assert found == [{"source": "EMAIL"}]
    finally:
        stop_process(process)
