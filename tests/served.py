"""`tracker serve` as a real process on loopback, for tests that talk to it over HTTP (the
schemathesis run, the kill -9 fault tests). Ports come from the OS, so tests can run side
by side (pytest-xdist)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from support import free_port


class Served:
    """`tracker serve` on 127.0.0.1:<free port> with the test's environment. Its output is
    read all along by a thread (a full pipe would block the server) and kept in `lines`.
    With `port_flag`, the port is given as `--port` and TRACKER_PORT names another one."""

    def __init__(self, environ: dict[str, str], *extra: str, port_flag: bool = False) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.environ = os.environ | environ | {
            "TRACKER_HOST": "127.0.0.1", "TRACKER_PORT": str(self.port)}
        if port_flag:
            self.environ["TRACKER_PORT"] = str(free_port())  # not where it listens
            extra = (*extra, "--port", str(self.port))
        tracker = Path(sys.executable).with_name("tracker")
        self.process = subprocess.Popen(
            [str(tracker), "serve", *extra], env=self.environ, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line)

    def output(self) -> str:
        return "".join(self.lines)

    def wait_ready(self, timeout: float = 90) -> Served:
        """Until the API document answers (the app is built and waitress listens)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"tracker serve exited:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.base}/api/openapi.json", timeout=5):  # noqa: S310
                    return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        raise AssertionError(f"tracker serve did not answer:\n{self.output()}")

    def kill(self) -> None:
        """kill -9: no handler runs, no transaction is finished."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)
        self._reader.join(timeout=10)

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self._reader.join(timeout=10)
        return int(self.process.returncode)

    def __enter__(self) -> Served:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()
