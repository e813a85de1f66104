import json
from typing import Any

import pytest

from server.encoded_payloads import EncodedPayloads

SHARED = {"ticketEvents": {"id": "7", "kind": "NOTE_ADDED", "note": 'say "hi" ✓'}}


@pytest.mark.parametrize(
    "message",
    [
        {"id": "1", "type": "next", "payload": {"data": SHARED}},
        {"id": 'we"ird', "type": "data", "payload": {"data": SHARED}},
        {"id": "2", "type": "next", "payload": {"data": None}},
        {"id": "3", "type": "next", "payload": {"data": SHARED, "errors": [{"message": "x"}]}},
        {"id": "4", "type": "next", "payload": {"data": SHARED, "extensions": {"a": 1}}},
        {"id": "5", "type": "complete"},
        {"type": "connection_ack"},
        {"type": "ping"},
        {"data": {"tickets": []}},  # an HTTP response goes through the same encoder
        [1, 2, 3],
        "text",
    ],
)
def test_messages_encode_as_plain_json_would(message: Any) -> None:
    encoded = EncodedPayloads().message(message)
    assert json.loads(encoded) == json.loads(json.dumps(message))


def test_a_shared_payload_is_encoded_once_and_a_changed_one_again() -> None:
    payloads = EncodedPayloads(kept=2)
    data: dict[str, Any] = {"x": 1}
    first = payloads.message({"id": "a", "type": "next", "payload": {"data": data}})
    second = payloads.message({"id": "b", "type": "next", "payload": {"data": data}})
    assert json.loads(first)["id"] == "a" and json.loads(second)["id"] == "b"
    assert json.loads(second)["payload"] == {"data": {"x": 1}}
    for n in range(3):  # evicts `data`'s entry
        payloads.message({"id": "c", "type": "next", "payload": {"data": {"n": n}}})
    other = {"y": 2}  # may reuse a freed id: must never get another object's encoding
    assert json.loads(payloads.message({"id": "d", "type": "next", "payload": {"data": other}}))[
        "payload"
    ] == {"data": {"y": 2}}
