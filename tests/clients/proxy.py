"""A TCP proxy in front of the test server that can drop every connection on demand: the
way a load balancer or a sleeping laptop cuts a WebSocket, without restarting the server."""

import contextlib
import socket
import threading
from types import TracebackType
from urllib.parse import urlsplit


class DroppingProxy:
    def __init__(self, upstream_base_url: str) -> None:
        parts = urlsplit(upstream_base_url)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.open: set[socket.socket] = set()
        self.refusing = False
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def __enter__(self) -> "DroppingProxy":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.listener.close()
        self.down()

    def down(self) -> None:
        """Cut every open connection and refuse new ones until up()."""
        with self.lock:
            self.refusing = True
            for sock in self.open:
                _close(sock)
            self.open.clear()

    def up(self) -> None:
        with self.lock:
            self.refusing = False

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # the listener was closed
            with self.lock:
                if self.refusing:
                    _close(client)
                    continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
                server.settimeout(None)
            except OSError:
                _close(client)
                continue
            with self.lock:
                self.open.update((client, server))
            threading.Thread(target=_pipe, args=(client, server), daemon=True).start()
            threading.Thread(target=_pipe, args=(server, client), daemon=True).start()


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            target.sendall(data)
    except OSError:
        pass
    finally:
        _close(source)
        _close(target)


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side or the other pipe
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()
