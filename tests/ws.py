"""A minimal GraphQL-over-WebSocket client for the tests (both subprotocols)."""

import json
import time
from typing import Any

from websockets.sync.client import ClientConnection, connect

TRANSPORT_WS = "graphql-transport-ws"
LEGACY_WS = "graphql-ws"


class Socket:
    def __init__(self, base_url: str, token: str | None, protocol: str = TRANSPORT_WS,
                 init: bool = True) -> None:
        self.protocol = protocol
        self.ws: ClientConnection = connect(base_url.replace("http", "ws", 1) + "/graphql",
                                            subprotocols=[protocol], open_timeout=10)  # type: ignore[list-item]
        if init:
            payload = {"authorization": f"Bearer {token}"} if token else {}
            self.send({"type": "connection_init", "payload": payload})
            ack = self.receive(10)
            assert ack["type"] == "connection_ack", ack

    def send(self, message: dict[str, Any]) -> None:
        self.ws.send(json.dumps(message))

    def receive(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            message: dict[str, Any] = json.loads(self.ws.recv(timeout=max(deadline - time.monotonic(), 0.01)))
            if message["type"] == "ping":
                self.send({"type": "pong"})
                continue
            if message["type"] in ("pong", "ka"):
                continue
            return message

    def subscribe(self, query: str, variables: dict[str, Any] | None = None, op_id: str = "1") -> None:
        kind = "subscribe" if self.protocol == TRANSPORT_WS else "start"
        self.send({"id": op_id, "type": kind, "payload": {"query": query, "variables": variables or {}}})

    def next(self, timeout: float = 10) -> dict[str, Any]:
        message = self.receive(timeout)
        assert message["type"] in ("next", "data"), message
        assert not message["payload"].get("errors"), message
        data: dict[str, Any] = message["payload"]["data"]
        return data

    def close(self) -> None:
        self.ws.close()
