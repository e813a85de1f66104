"""A whole mail conversation through a desk of its own, with both real SMTP peers: the
customer writes to the desk's receiver (stdlib smtplib), the agent answers through GraphQL,
the answer reaches the customer's mail server (a local aiosmtpd sink) threaded under the
customer's mail, and the customer's answer to it, found by its Message-ID alone, lands on the
same ticket and takes it off waiting."""

from collections.abc import Iterator
from email.message import Message

import httpx
import pytest

from tests.api.own_desk import OwnDesk, own_desk, wait_for
from tests.api.test_mail_intake import new_mail, send, the_ticket, unique
from tests.backends import Backend
from tests.conftest import free_port
from tests.mail_sink import MailSink

DESK_ADDRESS = "support@desk.test"  # the same address as test_mail_intake's new_mail uses

REPLY = """mutation($t: ID!, $b: String!) { addReply(ticketId: $t, body: $b) { id } }"""
WAIT = """mutation($t: ID!) { setWaiting(ticketId: $t, reason: CUSTOMER) { status } }"""


@pytest.fixture(scope="module")
def receiver_port() -> int:
    return free_port()


@pytest.fixture(scope="module")
def desk(
    tmp_path_factory: pytest.TempPathFactory, backend: Backend, sink: MailSink, receiver_port: int
) -> Iterator[OwnDesk]:
    settings = {
        "HELPDESK_TRIAGE": "off",
        "HELPDESK_SMTP_LISTEN_PORT": str(receiver_port),
        "HELPDESK_SMTP_HOST": "127.0.0.1",
        "HELPDESK_SMTP_PORT": str(sink.port),
        "HELPDESK_SMTP_FROM": "helpdesk@desk.test",
        "HELPDESK_MAIL_ADDRESS": DESK_ADDRESS,
    }
    with own_desk(tmp_path_factory.mktemp("mail-roundtrip"), settings) as desks:
        yield desks[0]


def answer_to(sink: MailSink, customer: str) -> Message:
    def found() -> Message | None:
        mails = [m for m in list(sink.messages) if customer in str(m["To"])]
        return mails[0] if mails else None

    return wait_for(found, f"the desk's answer to {customer}", timeout=30)


def test_a_mail_conversation_threads_both_ways(desk: OwnDesk, sink: MailSink, receiver_port: int) -> None:
    tag = unique()
    customer = f"ines-{tag}@customer.test"
    first, _ = new_mail(f"Cannot export {tag}", "The export button does nothing.", sender=customer,
                        name="Inès Moreau")
    # As long as Exchange Online's: folded at 78 columns it would be sent as an encoded word.
    first_id = f"<{tag}{'x' * 60}@AM0PR01MB1234.eurprd01.prod.exchangelabs.com>"
    del first["Message-ID"]
    first["Message-ID"] = first_id
    send(receiver_port, first.as_bytes(), mail_from=customer)
    ticket = the_ticket(desk, tag)
    assert ticket["source"] == "EMAIL" and ticket["customer"]["name"] == "Inès Moreau"

    desk.gql.ok(REPLY, {"t": ticket["id"], "b": f"Which browser do you use? {tag}-agent"}, desk.admin)
    desk.gql.ok(WAIT, {"t": ticket["id"]}, desk.admin)
    answer = answer_to(sink, customer)
    assert answer["In-Reply-To"] == first_id
    assert first_id in str(answer["References"])
    assert f"[{ticket['key']}]" in str(answer["Subject"]) and str(answer["Subject"]).startswith("Re: ")
    assert DESK_ADDRESS in str(answer["Reply-To"])

    # The customer's client answers the desk's mail: a subject without the key, threaded
    # by In-Reply-To alone.
    second, _ = new_mail("Re: your question", f"Firefox 128. {tag}-second", sender=customer,
                         in_reply_to=str(answer["Message-ID"]),
                         references=f"{first_id} {answer['Message-ID']}")
    send(receiver_port, second.as_bytes(), mail_from=customer)
    after = the_ticket(desk, tag)
    assert after["id"] == ticket["id"]
    assert after["status"] == "OPEN" and after["waitReason"] is None
    customer_messages = [m for m in after["messages"] if m["authorKind"] == "CUSTOMER"]
    assert [m["channel"] for m in customer_messages] == ["EMAIL"]
    assert f"{tag}-second" in customer_messages[0]["body"]


THREAD = """query($id: ID!) { ticket(id: $id) {
  messages { body authorKind channel attachments { id filename contentType } }
} }"""


def test_a_reply_quoting_the_desk_s_answer_keeps_only_the_new_text(
    desk: OwnDesk, sink: MailSink, receiver_port: int
) -> None:
    tag = unique()
    customer = f"quotes-{tag}@customer.test"
    first, first_id = new_mail(f"VPN drops {tag}", "The VPN drops every hour.", sender=customer,
                               name="Ann Example")
    send(receiver_port, first.as_bytes(), mail_from=customer)
    ticket = the_ticket(desk, tag)
    desk.gql.ok(REPLY, {"t": ticket["id"], "b": f"Please restart the client. {tag}-agent\n\nACME Support"},
                desk.admin)
    answer = answer_to(sink, customer)
    payload = answer.get_payload(decode=True)
    assert isinstance(payload, bytes)
    answer_text = payload.decode(answer.get_content_charset() or "utf-8")
    assert f"{tag}-agent" in answer_text

    # What Gmail sends: the answer on top, the desk's whole mail quoted below it.
    quoted = "\n".join(f"> {line}".rstrip() for line in answer_text.strip().splitlines())
    new_text = f"Restarted it twice, it still drops. {tag}-reply\n\nAnn"
    text = f"{new_text}\n\nOn Tue, 3 Nov 2026 at 10:00, ACME Support <{DESK_ADDRESS}> wrote:\n\n{quoted}\n"
    reply, _ = new_mail(f"Re: [{ticket['key']}] VPN drops", text, sender=customer,
                        in_reply_to=str(answer["Message-ID"]), references=f"{first_id} {answer['Message-ID']}")
    send(receiver_port, reply.as_bytes(), mail_from=customer)

    messages = desk.gql.ok(THREAD, {"id": ticket["id"]}, desk.admin)["ticket"]["messages"]
    mine = [m for m in messages if m["authorKind"] == "CUSTOMER"]
    assert len(mine) == 1
    assert mine[0]["body"] == new_text
    assert f"{tag}-agent" not in mine[0]["body"]
    # The whole mail, quote included, is on the message for staff to open.
    files = mine[0]["attachments"]
    assert [(f["filename"], f["contentType"]) for f in files] == [("original-message.txt", "text/plain")]
    response = httpx.get(f"{desk.gql.base_url}/attachments/{files[0]['id']}",
                         headers={"Authorization": f"Bearer {desk.admin}"}, timeout=30)
    assert response.status_code == 200
    original = response.content.decode("utf-8")
    assert new_text in original and f"> Please restart the client. {tag}-agent" in original
