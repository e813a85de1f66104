"""Mail to customers through the running server, received by a real local SMTP server: an
agent's public reply goes out threaded by Message-ID, notes and customer messages do not,
mail waits through an SMTP outage and arrives once; closing a ticket sends the satisfaction
survey, whose signed link rates the ticket once (over GraphQL or the HTML page).

Its own desk: outgoing mail is configured for the whole desk, and the sink must only see
this module's mail."""

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import Message
from typing import Any

import httpx
import pytest

from tests.api.desk import Desk, Person, build_desk, unique
from tests.api.own_desk import OwnDesk, own_desk, wait_for
from tests.backends import Backend
from tests.conftest import REPO
from tests.mail_sink import MailSink

SECRET = "customer-mail-test-secret"
DESK_ADDRESS = "support@desk.test"
SENDER = "helpdesk@desk.test"
PUBLIC_URL = "https://help.desk.test"
SURVEY_LINK = re.compile(re.escape(PUBLIC_URL) + r"/survey/([A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)")

REPLY = "mutation($t: ID!, $b: String!, $i: Boolean) { addReply(ticketId: $t, body: $b, internal: $i) { id } }"
RATE = """mutation($t: String!, $s: Int!, $c: String) {
  rateTicket(token: $t, stars: $s, comment: $c) { stars comment createdAt } }"""
RATING = "query($id: ID!) { ticket(id: $id) { satisfaction { stars comment createdAt } events { kind after } } }"


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory, backend: Backend, sink: MailSink) -> Iterator[OwnDesk]:
    settings = {
        "HELPDESK_TRIAGE": "off",
        "HELPDESK_SECRET_KEY": SECRET,
        "HELPDESK_SMTP_HOST": "127.0.0.1",
        "HELPDESK_SMTP_PORT": str(sink.port),
        "HELPDESK_SMTP_FROM": SENDER,
        "HELPDESK_MAIL_ADDRESS": DESK_ADDRESS,
        "HELPDESK_PUBLIC_URL": PUBLIC_URL,
    }
    with own_desk(tmp_path_factory.mktemp("customer-mail"), settings) as running:
        yield running[0]


@pytest.fixture(scope="module")
def desk(own: OwnDesk) -> Desk:
    return build_desk(own.gql, own.admin)


def mails_to(sink: MailSink, address: str) -> list[Message]:
    return [m for m in list(sink.messages) if address in str(m["To"])]


def body_of(mail: Message) -> str:
    payload = mail.get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(mail.get_content_charset() or "utf-8")


def wait_for_mail(sink: MailSink, address: str, count: int, what: str) -> list[Message]:
    def enough() -> list[Message] | None:
        found = mails_to(sink, address)
        return found if len(found) >= count else None

    return wait_for(enough, what)


def ticket_for(desk: Desk, customer: Person, subject: str) -> dict[str, Any]:
    return desk.ticket(customerId=customer.id, subject=subject)


def reply(desk: Desk, ticket_id: str, body: str, token: str, internal: bool = False) -> None:
    desk.gql.ok(REPLY, {"t": ticket_id, "b": body, "i": internal}, token)


def record_opening_mail(own: OwnDesk, ticket_id: str, message_id: str) -> None:
    """What the mail intake stores for a ticket a mail opened: its receipt with the mail's
    Message-ID. Written by a process of its own (the ORM's state is per process)."""
    script = (
        "import asyncio, sys\n"
        "from datetime import UTC, datetime\n"
        "from tortoise import Tortoise\n"
        "from domain.models import IntakeReceipt\n"
        "from server.db import tortoise_config\n"
        "async def main():\n"
        "    await Tortoise.init(config=tortoise_config(sys.argv[1]))\n"
        "    try:\n"
        "        await IntakeReceipt.create(channel='email', external_id=sys.argv[3], outcome='TICKET',\n"
        "                                   ticket_id=int(sys.argv[2]), created_at=datetime.now(UTC))\n"
        "    finally:\n"
        "        await Tortoise.close_connections()\n"
        "asyncio.run(main())\n"
    )
    done = subprocess.run([sys.executable, "-c", script, own.backend.database_url, ticket_id, message_id],
                          cwd=REPO, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def close(desk: Desk, ticket_id: str) -> None:
    for mutation in ("resolveTicket", "closeTicket"):
        desk.gql.ok(f"mutation($t: ID!) {{ {mutation}(ticketId: $t) {{ status }} }}", {"t": ticket_id}, desk.admin)


def survey_token(sink: MailSink, address: str) -> str:
    surveys = wait_for(lambda: [m for m in mails_to(sink, address) if "How did we do" in str(m["Subject"])],
                       "the survey mail")
    assert len(surveys) == 1
    found = SURVEY_LINK.search(body_of(surveys[0]))
    assert found is not None, body_of(surveys[0])
    return found.group(1)


def test_an_agents_public_reply_is_mailed_to_the_customer_threaded_by_message_id(
    desk: Desk, sink: MailSink
) -> None:
    assert desk.agent is not None
    customer = desk.new_customer()
    ticket = ticket_for(desk, customer, "Invoice is missing")
    reply(desk, ticket["id"], "We are looking into your invoice.", desk.agent.token)
    [first] = wait_for_mail(sink, customer.email, 1, "the reply mail")
    assert first["Subject"] == f"[{ticket['key']}] Invoice is missing"
    assert first["To"] == customer.email and first["From"] == SENDER
    assert first["Reply-To"] == DESK_ADDRESS
    assert first["Auto-Submitted"] is None  # a person's reply, not a machine's
    assert first["Message-ID"] and first["In-Reply-To"] is None  # the customer never mailed
    text = body_of(first)
    assert "We are looking into your invoice." in text and ticket["key"] in text and "reply" in text

    # Neither an internal note nor the customer's own message goes out.
    reply(desk, ticket["id"], "Internal: check the billing export", desk.agent.token, internal=True)
    reply(desk, ticket["id"], "Thanks, waiting.", customer.token)
    reply(desk, ticket["id"], "Found it, resent.", desk.agent.token)
    mails = wait_for_mail(sink, customer.email, 2, "the second reply mail")
    assert len(mails) == 2, [m["Subject"] for m in mails]
    second = mails[1]
    assert "Found it, resent." in body_of(second)
    assert not any("billing export" in body_of(m) or "Thanks, waiting." in body_of(m) for m in mails)
    # The first reply's Message-ID is the one stored on its message: the next mail names it.
    assert first["Message-ID"] in str(second["References"]).split()
    assert second["Message-ID"] != first["Message-ID"]


def test_a_reply_to_a_ticket_opened_by_mail_answers_that_mail(own: OwnDesk, desk: Desk, sink: MailSink) -> None:
    assert desk.agent is not None
    customer = desk.new_customer()
    ticket = ticket_for(desk, customer, "Printer on fire")
    opening = f"<{unique('opening')}@customer.test>"
    record_opening_mail(own, ticket["id"], opening)
    reply(desk, ticket["id"], "Please step away from the printer.", desk.agent.token)
    [mail] = wait_for_mail(sink, customer.email, 1, "the reply mail")
    assert mail["Subject"] == f"Re: [{ticket['key']}] Printer on fire"
    assert mail["In-Reply-To"] == opening
    assert str(mail["References"]).split() == [opening]


def test_a_reply_waits_through_an_smtp_outage_and_arrives_once(desk: Desk, sink: MailSink) -> None:
    assert desk.agent is not None
    customer = desk.new_customer()
    ticket = ticket_for(desk, customer, "Mail server down")
    sink.stop()
    try:
        reply(desk, ticket["id"], "Sent while the mail server is down.", desk.agent.token)
        time.sleep(2)  # the first attempt fails: nobody listens
        assert not mails_to(sink, customer.email)
    finally:
        sink.start()
    [mail] = wait_for_mail(sink, customer.email, 1, "the retried reply")
    assert "Sent while the mail server is down." in body_of(mail)
    # A later mail as a barrier: by the time it is in, a second copy would have been too.
    reply(desk, ticket["id"], "And one more.", desk.agent.token)
    mails = wait_for_mail(sink, customer.email, 2, "the barrier mail")
    copies = [m for m in mails if "Sent while the mail server is down." in body_of(m)]
    assert len(copies) == 1, [m["Subject"] for m in mails]


def test_closing_sends_a_survey_whose_link_rates_the_ticket_once(desk: Desk, sink: MailSink) -> None:
    assert desk.agent is not None
    customer = desk.new_customer()
    ticket = ticket_for(desk, customer, "Password reset")
    close(desk, ticket["id"])
    token = survey_token(sink, customer.email)
    [survey] = [m for m in mails_to(sink, customer.email) if "How did we do" in str(m["Subject"])]
    assert survey["Auto-Submitted"] == "auto-generated" and survey["Reply-To"] == DESK_ADDRESS
    assert str(survey["Subject"]).startswith(f"[{ticket['key']}]")

    # Bad stars and a forged token are refused and store nothing. No sign-in needed.
    assert desk.gql.error(RATE, {"t": token, "s": 6}).code == "BAD_USER_INPUT"
    assert desk.gql.error(RATE, {"t": token, "s": 0}).code == "BAD_USER_INPUT"
    body, signature = token.split(".")
    forged = f"{body}.{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"
    assert desk.gql.error(RATE, {"t": forged, "s": 5}).code == "BAD_USER_INPUT"
    assert desk.gql.error(RATE, {"t": "garbage", "s": 5}).code == "BAD_USER_INPUT"
    assert desk.gql.ok(RATING, {"id": ticket["id"]}, desk.admin)["ticket"]["satisfaction"] is None

    rated = desk.gql.ok(RATE, {"t": token, "s": 4, "c": "Quick and kind"})["rateTicket"]
    assert (rated["stars"], rated["comment"]) == (4, "Quick and kind")
    seen = desk.gql.ok(RATING, {"id": ticket["id"]}, desk.admin)["ticket"]
    assert seen["satisfaction"]["stars"] == 4 and seen["satisfaction"]["comment"] == "Quick and kind"
    assert [e["after"]["stars"] for e in seen["events"] if e["kind"] == "RATED"] == [4]
    # The customer sees their own rating.
    mine = desk.gql.ok(RATING, {"id": ticket["id"]}, customer.token)["ticket"]["satisfaction"]
    assert mine["stars"] == 4

    again = desk.gql.error(RATE, {"t": token, "s": 1})
    assert again.code == "CONFLICT"
    assert desk.gql.ok(RATING, {"id": ticket["id"]}, desk.admin)["ticket"]["satisfaction"]["stars"] == 4


def test_the_survey_page_shows_a_form_and_records_the_rating(own: OwnDesk, desk: Desk, sink: MailSink) -> None:
    customer = desk.new_customer()
    ticket = ticket_for(desk, customer, "Slow dashboard")
    close(desk, ticket["id"])
    token = survey_token(sink, customer.email)
    page = f"{own.gql.base_url}/survey/{token}"
    with httpx.Client(timeout=30) as http:
        shown = http.get(page)
        assert shown.status_code == 200 and "<form" in shown.text and 'name="stars"' in shown.text
        assert shown.headers["referrer-policy"] == "no-referrer"
        missing = http.post(page, data={"comment": "no stars"})
        assert missing.status_code == 400
        superscript = http.post(page, data={"stars": "²"})  # a digit to isdigit(), not to int()
        assert superscript.status_code == 400
        sent = http.post(page, data={"stars": "5", "comment": "Great <b>help</b>"})
        assert sent.status_code == 200 and "Thank you" in sent.text
        assert http.post(page, data={"stars": "3"}).status_code == 409
        assert "5 of 5" in http.get(page).text
        assert http.get(f"{own.gql.base_url}/survey/{token}x").status_code == 400
    seen = desk.gql.ok(RATING, {"id": ticket["id"]}, desk.admin)["ticket"]["satisfaction"]
    assert seen["stars"] == 5 and seen["comment"] == "Great <b>help</b>"


def test_a_reopened_ticket_cannot_be_rated_and_closing_again_sends_no_second_survey(
    desk: Desk, sink: MailSink
) -> None:
    assert desk.agent is not None
    customer = desk.new_customer()
    ticket = ticket_for(desk, customer, "Reopened later")
    reopen = "mutation($t: ID!) { reopenTicket(ticketId: $t) { status } }"
    close(desk, ticket["id"])
    token = survey_token(sink, customer.email)
    desk.gql.ok(reopen, {"t": ticket["id"]}, desk.admin)
    assert desk.gql.error(RATE, {"t": token, "s": 3}).code == "CONFLICT"
    close(desk, ticket["id"])
    # A reply after the second close as a barrier: a second survey would be in before it.
    desk.gql.ok(reopen, {"t": ticket["id"]}, desk.admin)
    reply(desk, ticket["id"], "Closed again, sorry.", desk.agent.token)
    wait_for(lambda: [m for m in mails_to(sink, customer.email) if "Closed again, sorry." in body_of(m)],
             "the barrier mail")
    surveys = [m for m in mails_to(sink, customer.email) if "How did we do" in str(m["Subject"])]
    assert len(surveys) == 1
    # Rated once it is done again, with the same link.
    close(desk, ticket["id"])
    assert desk.gql.ok(RATE, {"t": token, "s": 3})["rateTicket"]["stars"] == 3


def test_a_macro_that_closes_sends_the_survey_and_its_reply(desk: Desk, sink: MailSink) -> None:
    assert desk.supervisor is not None and desk.agent is not None
    customer = desk.new_customer()
    ticket = ticket_for(desk, customer, "Wrong invoice address")
    template = desk.gql.ok(
        "mutation($i: ReplyTemplateInput!) { upsertReplyTemplate(input: $i) { id } }",
        {"i": {"name": unique("Solved"), "body": "Hello {{customer.name}}, {{ticket.key}} is solved."}},
        desk.supervisor.token,
    )["upsertReplyTemplate"]["id"]
    macro = desk.gql.ok(
        "mutation($i: MacroInput!) { upsertMacro(input: $i) { id } }",
        {"i": {"name": unique("Solve and close"), "description": "", "actions": [
            {"type": "REPLY", "templateId": template},
            {"type": "SET_STATUS", "status": "RESOLVED"},
            {"type": "SET_STATUS", "status": "CLOSED"},
        ]}},
        desk.supervisor.token,
    )["upsertMacro"]["id"]
    applied = desk.gql.ok("mutation($t: ID!, $m: ID!) { applyMacro(ticketId: $t, macroId: $m) { status } }",
                          {"t": ticket["id"], "m": macro}, desk.admin)["applyMacro"]
    assert applied["status"] == "CLOSED"
    survey_token(sink, customer.email)  # exactly one survey
    replies = wait_for(lambda: [m for m in mails_to(sink, customer.email) if "is solved" in body_of(m)] or None,
                       "the macro's reply by mail")
    assert len(replies) == 1


FOLLOW_LINK = re.compile(re.escape(PUBLIC_URL) + r"/follow/(\S+)")


def test_a_known_customers_form_ticket_gets_its_follow_link_by_mail(
    own: OwnDesk, desk: Desk, sink: MailSink
) -> None:
    customer = desk.new_customer()
    form = {"email": customer.email, "name": "Known", "subject": "Form from a known address",
            "description": "Typed into the public form"}
    answer = httpx.post(f"{own.gql.base_url}/forms/ticket", json=form, timeout=10)
    assert answer.status_code == 201, answer.text
    body = answer.json()
    # The link is never in the answer for a known address: it goes to that address only.
    assert (body["followUrl"], body["followLinkMailed"]) == (None, True)
    [mail] = wait_for_mail(sink, customer.email, 1, "the follow link's mail")
    assert mail["Subject"] == f"[{body['key']}] Follow your request"
    assert mail["Reply-To"] == DESK_ADDRESS
    match = FOLLOW_LINK.search(body_of(mail))
    assert match is not None, body_of(mail)
    followed = httpx.get(f"{own.gql.base_url}/follow/{match.group(1)}", timeout=10)
    assert followed.status_code == 200, followed.text
    assert (followed.json()["key"], followed.json()["subject"]) == (body["key"], form["subject"])
