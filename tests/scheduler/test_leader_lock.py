"""One leader across processes: contenders lose while the leader lives, and take over
when it releases or dies."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from tracker.config import Settings
from tracker.storage.leader import leader_lock

HOLD_AND_WAIT = """
import os, sys, time
from tracker.config import Settings
from tracker.storage.leader import leader_lock
lock = leader_lock(Settings.from_env())
print("leader" if lock.try_acquire() else "follower", flush=True)
time.sleep(600)
"""


def _wait_for(predicate, timeout: float = 15.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_only_one_holder_wins_and_the_other_takes_over_on_release(settings: Settings) -> None:
    first, second = leader_lock(settings), leader_lock(settings)
    try:
        assert first.try_acquire()
        assert not second.try_acquire()
        assert first.try_acquire(), "the leader stays leader when it checks again"
        assert not second.try_acquire(), "a follower keeps losing while the leader lives"
        first.release()
        assert not first.is_held
        assert second.try_acquire()
        assert not first.try_acquire()
    finally:
        first.release()
        second.release()


def test_separate_installations_do_not_share_a_leader(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other_dir = tmp_path_factory.mktemp("other")
    if settings.is_sqlite:
        other = Settings.from_env(
            {"TRACKER_DATABASE_URL": f"sqlite:///{other_dir / 'tracker.sqlite3'}",
             "TRACKER_INSTANCE_PATH": str(other_dir), "TRACKER_SECRET_KEY": "x"}
        )
    else:
        base = settings.database_url.split("?", 1)[0]
        other = Settings.from_env(
            {"TRACKER_DATABASE_URL": f"{base}?schema=another_installation",
             "TRACKER_INSTANCE_PATH": str(other_dir), "TRACKER_SECRET_KEY": "x"}
        )
    mine, theirs = leader_lock(settings), leader_lock(other)
    try:
        assert mine.try_acquire()
        assert theirs.try_acquire()
    finally:
        mine.release()
        theirs.release()


def test_a_leader_process_that_dies_is_replaced(
    settings: Settings, environ: dict[str, str]
) -> None:
    env = os.environ | environ
    leader = subprocess.Popen(
        [sys.executable, "-c", HOLD_AND_WAIT], env=env, stdout=subprocess.PIPE, text=True
    )
    contender = leader_lock(settings)
    try:
        assert leader.stdout is not None
        assert leader.stdout.readline().strip() == "leader"
        assert not contender.try_acquire()
        leader.kill()  # no clean-up: the OS / the server must drop the lock
        leader.wait(timeout=10)
        assert _wait_for(contender.try_acquire), "nobody took over from the dead leader"
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait()
        contender.release()
