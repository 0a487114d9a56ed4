"""A store written with TRACKER_CIPHER_KEY, started with a wrong key or none (or a store
written without a key started with one): `tracker serve` stops at start with an error that
names the variable, serves no page, and writes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher
from served import free_port
from support import file_deviation, stored_events

from tracker.config import Settings
from tracker.runtime import CipherKeyMismatch, open_runtime

pytestmark = pytest.mark.slow

KEY = AESCipher.create_key(32)


@pytest.mark.parametrize(
    ("written_with", "started_with"),
    [(KEY, AESCipher.create_key(32)), (KEY, None), (None, KEY)],
    ids=["wrong key", "missing key", "key on a plain store"],
)
def test_serve_refuses_to_start_with_the_wrong_cipher_key(
    environ: dict[str, str], written_with: str | None, started_with: str | None,
) -> None:
    written = environ | ({"TRACKER_CIPHER_KEY": written_with} if written_with else {})
    runtime = open_runtime(Settings.from_env(written))
    deviation = file_deviation(runtime)
    head = stored_events(runtime)
    users = runtime.accounts.count()
    runtime.close()

    started = {k: v for k, v in (os.environ | environ).items() if k != "TRACKER_CIPHER_KEY"}
    if started_with:
        started["TRACKER_CIPHER_KEY"] = started_with
    tracker = Path(sys.executable).with_name("tracker")
    result = subprocess.run(
        [str(tracker), "serve", "--port", str(free_port())], env=started,
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1
    assert "Error: The stored events cannot be read with TRACKER_CIPHER_KEY" in result.stderr
    assert "Traceback" not in result.stderr
    assert "Serving on" not in result.stdout  # no page was served, no admin was created

    # The same refusal for anything that opens the store in-process.
    with pytest.raises(CipherKeyMismatch, match="TRACKER_CIPHER_KEY"):
        open_runtime(Settings.from_env(
            {k: v for k, v in started.items() if k.startswith("TRACKER_")}))

    # Nothing was written; with the right key everything reads as before.
    runtime = open_runtime(Settings.from_env(written))
    try:
        assert stored_events(runtime) == head
        assert runtime.accounts.count() == users
        assert runtime.app.get_deviation(deviation.id).description == deviation.description
    finally:
        runtime.close()
