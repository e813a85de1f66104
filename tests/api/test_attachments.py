"""Attachments over HTTP: upload, a reply that carries the upload, download by who may see it."""

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from tests.api.desk import Desk

REPLY = """mutation($t: ID!, $b: String!, $i: Boolean, $a: [ID!]) {
  addReply(ticketId: $t, body: $b, internal: $i, attachmentIds: $a) {
    id internal attachments { id filename contentType size url createdAt } } }"""
TICKET = """query($t: ID!) { ticket(id: $t) { version
  messages { id internal attachments { id } } attachments { id filename pending } } }"""

PNG = b"\x89PNG\r\n\x1a\n" + b"fake image body" * 10


def upload(desk: Desk, ticket_id: str, token: str | None, *files: tuple[str, bytes, str]) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"{desk.gql.base_url}/tickets/{ticket_id}/attachments",
        files=[("file", f) for f in files],
        headers=headers,
        timeout=60,
    )


def download(desk: Desk, attachment_id: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.get(f"{desk.gql.base_url}/attachments/{attachment_id}", headers=headers, timeout=30)


def uploaded(desk: Desk, ticket_id: str, token: str, name: str = "screen.png", data: bytes = PNG,
             kind: str = "image/png") -> dict[str, Any]:
    response = upload(desk, ticket_id, token, (name, data, kind))
    assert response.status_code == 201, response.text
    (row,) = response.json()
    return dict(row)


def stored(var_dir: Path, data: bytes) -> bool:
    digest = hashlib.sha256(data).hexdigest()
    return (var_dir / "attachments" / digest[:2] / digest).exists()


def test_agent_uploads_replies_with_it_and_the_customer_downloads_it(desk: Desk, var_dir: Path) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    data = PNG + b"first"
    row = uploaded(desk, ticket["id"], desk.agent.token, name="../../Réponse \"finale\".png", data=data)
    assert row["filename"] == "Réponse _finale_.png"
    assert (row["contentType"], row["size"]) == ("image/png", len(data))
    assert stored(var_dir, data)

    # Uploaded but not sent: the customer does not see it yet.
    assert download(desk, row["id"], desk.customer.token).status_code == 404
    pending = desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"]
    assert [(a["id"], a["pending"]) for a in pending["attachments"]] == [(row["id"], True)]
    assert desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.customer.token)["ticket"]["attachments"] == []

    message = desk.gql.ok(REPLY, {"t": ticket["id"], "b": "See the screenshot", "a": [row["id"]]},
                          desk.agent.token)["addReply"]
    (attached,) = message["attachments"]
    assert attached["id"] == row["id"]
    assert attached["url"].endswith(f"/attachments/{row['id']}")

    response = download(desk, row["id"], desk.customer.token)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote('Réponse _finale_.png', safe='')}" in disposition

    seen = desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.customer.token)["ticket"]
    assert [a["id"] for a in seen["attachments"]] == [row["id"]]
    assert [a["id"] for m in seen["messages"] for a in m["attachments"]] == [row["id"]]


def test_an_internal_notes_file_is_not_found_for_the_customer(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    row = uploaded(desk, ticket["id"], desk.agent.token, data=PNG + b"internal")
    desk.gql.ok(REPLY, {"t": ticket["id"], "b": "Logs attached", "i": True, "a": [row["id"]]}, desk.agent.token)
    assert download(desk, row["id"], desk.agent.token).status_code == 200
    assert download(desk, row["id"], desk.customer.token).status_code == 404
    seen = desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.customer.token)["ticket"]
    assert seen["attachments"] == []


def test_others_get_not_found_and_no_token_is_401(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    assert desk.other_customer is not None and desk.other_agent is not None
    ticket = desk.ticket()
    row = uploaded(desk, ticket["id"], desk.agent.token, data=PNG + b"others")
    desk.gql.ok(REPLY, {"t": ticket["id"], "b": "Here", "a": [row["id"]]}, desk.agent.token)
    assert download(desk, row["id"], desk.other_customer.token).status_code == 404
    assert download(desk, row["id"], desk.other_agent.token).status_code == 404  # another group's
    assert download(desk, "999999999", desk.agent.token).status_code == 404
    assert download(desk, row["id"], None).status_code == 401
    assert download(desk, row["id"], "not-a-token").status_code == 401
    assert upload(desk, ticket["id"], None, ("a.png", PNG, "image/png")).status_code == 401
    # Nor can they add files to a ticket they cannot see.
    assert upload(desk, ticket["id"], desk.other_customer.token, ("a.png", PNG, "image/png")).status_code == 404


def test_the_customer_uploads_to_their_own_ticket_and_replies_with_it(desk: Desk) -> None:
    assert desk.agent is not None and desk.customer is not None
    ticket = desk.ticket()
    response = upload(desk, ticket["id"], desk.customer.token,
                      ("a.txt", b"first file", "text/plain"), ("b.pdf", b"%PDF-1.4 second", "application/pdf"))
    assert response.status_code == 201, response.text
    rows = response.json()
    assert [(r["filename"], r["contentType"]) for r in rows] == [("a.txt", "text/plain"), ("b.pdf", "application/pdf")]
    assert download(desk, rows[0]["id"], desk.customer.token).content == b"first file"  # their own upload
    message = desk.gql.ok(REPLY, {"t": ticket["id"], "b": "Both files", "a": [r["id"] for r in rows]},
                          desk.customer.token)["addReply"]
    assert sorted(a["id"] for a in message["attachments"]) == sorted(r["id"] for r in rows)
    assert download(desk, rows[1]["id"], desk.agent.token).content == b"%PDF-1.4 second"


def test_too_big_is_413_and_nothing_is_stored(desk: Desk, var_dir: Path) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    limit = 10 * 1024 * 1024  # the default HELPDESK_ATTACHMENT_MAX_BYTES of the test server
    data = b"x" * (limit + 1)
    response = upload(desk, ticket["id"], desk.agent.token, ("big.txt", data, "text/plain"))
    assert response.status_code == 413, response.text
    assert not stored(var_dir, data)
    assert desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"]["attachments"] == []


def test_chunked_bodies_are_bounded_too(desk: Desk, var_dir: Path) -> None:
    """No Content-Length to refuse by: the body and each part header are counted as they come."""
    assert desk.agent is not None
    ticket = desk.ticket()
    url = f"{desk.gql.base_url}/tickets/{ticket['id']}/attachments"
    headers = {"Authorization": f"Bearer {desk.agent.token}",
               "Content-Type": "multipart/form-data; boundary=b"}

    def chunked(*pieces: bytes) -> Iterator[bytes]:
        yield from pieces

    huge_header = (b"--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + b"n" * 20_000
                   + b".txt\"\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n")
    answer = httpx.post(url, content=chunked(huge_header), headers=headers, timeout=60)
    assert answer.status_code in (400, 413), answer.text  # the parser's own limit may speak first
    # Many small non-file fields: never stored, but still counted against the request's bound.
    field = b"--b\r\nContent-Disposition: form-data; name=\"other\"\r\n\r\n" + b"y" * 1024 * 1024 + b"\r\n"
    answer = httpx.post(url, content=chunked(*([field] * 120), b"--b--\r\n"), headers=headers, timeout=120)
    assert answer.status_code == 413, answer.text
    assert desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"]["attachments"] == []


def test_a_type_not_accepted_is_415_and_nothing_is_stored(desk: Desk, var_dir: Path) -> None:
    assert desk.agent is not None
    ticket = desk.ticket()
    page = b"<script>alert(1)</script>"
    response = upload(desk, ticket["id"], desk.agent.token, ("ok.png", PNG + b"415", "image/png"),
                      ("page.html", page, "text/html"))
    assert response.status_code == 415, response.text
    assert not stored(var_dir, page) and not stored(var_dir, PNG + b"415")  # all or nothing
    assert desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"]["attachments"] == []
    not_multipart = httpx.post(f"{desk.gql.base_url}/tickets/{ticket['id']}/attachments", content=b"raw",
                               headers={"Authorization": f"Bearer {desk.agent.token}",
                                        "Content-Type": "application/octet-stream"})
    assert not_multipart.status_code == 415


@pytest.mark.parametrize("whose", ["someone else's", "another ticket's", "already sent"])
def test_an_upload_the_caller_may_not_send_refuses_the_whole_reply(desk: Desk, whose: str) -> None:
    assert desk.agent is not None and desk.supervisor is not None
    ticket = desk.ticket()
    if whose == "someone else's":
        row = uploaded(desk, ticket["id"], desk.supervisor.token, data=PNG + b"supervisor")
    elif whose == "another ticket's":
        row = uploaded(desk, desk.ticket()["id"], desk.agent.token, data=PNG + b"other ticket")
    else:
        row = uploaded(desk, ticket["id"], desk.agent.token, data=PNG + b"sent")
        desk.gql.ok(REPLY, {"t": ticket["id"], "b": "first", "a": [row["id"]]}, desk.agent.token)
    before = desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"]
    mine = uploaded(desk, ticket["id"], desk.agent.token, data=PNG + whose.encode())

    error = desk.gql.error(REPLY, {"t": ticket["id"], "b": "With files", "a": [mine["id"], row["id"]]},
                           desk.agent.token)
    assert error.code == "BAD_USER_INPUT"
    assert error.errors[0]["extensions"]["field"] == "attachmentIds"
    after = desk.gql.ok(TICKET, {"t": ticket["id"]}, desk.agent.token)["ticket"]
    assert after["version"] == before["version"]
    assert len(after["messages"]) == len(before["messages"])
    # The caller's own upload was not taken by the refused reply: it can still be sent.
    assert {a["id"]: a["pending"] for a in after["attachments"]}[mine["id"]] is True
