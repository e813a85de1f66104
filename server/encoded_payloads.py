"""Subscription messages share their payload's encoding.

With shared results (schema/shared_results.py) every subscriber of one document gets the
very same `data` object for an event; encoding it to JSON once per subscriber was repeated
work on each of 1,000 sockets. Messages differ only in their operation id, so the payload is
encoded once and each message is assembled around it."""

import json
from collections import OrderedDict
from typing import Any

# Recent payloads only: one broadcast's subscribers are served within moments.
KEPT = 64
# graphql-transport-ws "next" and legacy graphql-ws "data" carry results.
RESULT_TYPES = frozenset({"next", "data"})


def encode(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))


class EncodedPayloads:
    def __init__(self, kept: int = KEPT) -> None:
        self._kept = kept
        # id(data) -> (data, its encoding); the object is held so its id cannot be reused
        # by another object while the entry lives.
        self._entries: OrderedDict[int, tuple[object, str]] = OrderedDict()

    def message(self, message: object) -> str:
        """The message as JSON, its payload's data encoded once for all who share it."""
        if not isinstance(message, dict) or message.get("type") not in RESULT_TYPES:
            return encode(message)
        payload: Any = message.get("payload")
        plain = isinstance(payload, dict) and set(payload) == {"data"}
        if not plain or set(message) != {"id", "type", "payload"}:
            return encode(message)  # errors or extensions: per subscriber, as they come
        data = payload["data"]
        entry = self._entries.get(id(data))
        if entry is None or entry[0] is not data:
            entry = (data, encode(data))
            self._entries[id(data)] = entry
            while len(self._entries) > self._kept:
                self._entries.popitem(last=False)
        return f'{{"id":{encode(message["id"])},"type":"{message["type"]}","payload":{{"data":{entry[1]}}}}}'
