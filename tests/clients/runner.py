"""Runs a client example as a subprocess and reads its JSON lines with deadlines, so a
hung client fails the test instead of hanging the suite."""

import json
import os
import queue
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CLIENT_EXAMPLES = REPO / "client-examples"


def require(missing: str | None) -> None:
    """A missing tool skips the test on a laptop but fails it in CI, where the install step
    must have provided it (the same rule as tests/browser)."""
    if missing is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {missing}", pytrace=False)
    pytest.skip(missing)


class ClientProcess:
    """A running client: stdout lines arrive in a queue, stderr is kept for failure messages."""

    def __init__(self, command: list[str], env: dict[str, str], cwd: Path) -> None:
        self.command = command
        self.process = subprocess.Popen(command, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.stderr: list[str] = []
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)  # end of output

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        self.stderr.extend(self.process.stderr)

    def describe(self) -> str:
        return f"{' '.join(self.command[:2])} stderr:\n{''.join(self.stderr)}"

    def line(self, timeout: float = 15) -> dict[str, Any]:
        """The next JSON object the client printed."""
        try:
            text = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no line within {timeout} s from {self.describe()}") from None
        assert text is not None, f"the client ended early: {self.describe()}"
        parsed: dict[str, Any] = json.loads(text)
        return parsed

    def rest(self, timeout: float = 15) -> list[dict[str, Any]]:
        """Every remaining line, once the client has exited."""
        code = self.wait(timeout)
        assert code == 0, f"exit code {code}: {self.describe()}"
        found = []
        while (text := self.lines.get(timeout=5)) is not None:
            found.append(json.loads(text))
        return found

    def wait(self, timeout: float = 15) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running after {timeout} s: {self.describe()}") from None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@contextmanager
def running(command: list[str], token: str, cwd: Path) -> Iterator[ClientProcess]:
    # The token goes by environment, as the READMEs advise: argv is visible to `ps`.
    env = {**os.environ, "HELPDESK_TOKEN": token}
    client = ClientProcess(command, env, cwd)
    try:
        yield client
    finally:
        client.stop()
