"""Storage configuration, encryption at rest, and schema creation by several processes."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from eventsourcing.cryptography import AESCipher
from support import TrackerRunner

from tracker.config import Settings
from tracker.runtime import open_runtime

SECRET_TEXT = "Journal för fel person låg i pärmen på kontoret"


def _file_secret(settings: Settings) -> None:
    rt = open_runtime(settings)
    try:
        rt.app.file_deviation(
            actor="anna",
            unit="utredning",
            category="handlaggning",
            subcategory="registrering",
            occurred_on=date.today() - timedelta(days=1),
            description=SECRET_TEXT,
        )
    finally:
        rt.close()


def _raw_bytes(settings: Settings) -> bytes:
    path = settings.sqlite_path
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*") if p.is_file())


@pytest.mark.parametrize("encrypted", [False, True])
def test_with_a_cipher_key_the_sqlite_file_does_not_hold_the_text(
    tmp_path: Path, encrypted: bool
) -> None:
    env = {"TRACKER_INSTANCE_PATH": str(tmp_path)}
    if encrypted:
        env["TRACKER_CIPHER_KEY"] = AESCipher.create_key(32)
    settings = Settings.from_env(env)
    _file_secret(settings)
    # The file holds the text exactly when it is not encrypted (so this test can fail).
    assert (SECRET_TEXT.encode() in _raw_bytes(settings)) is not encrypted
    rt = open_runtime(settings)
    try:
        [entry] = [h for h in rt.app.history(_only_deviation_id(rt)) if h.type == "Reported"]
        assert entry.data["description"] == SECRET_TEXT
    finally:
        rt.close()


def _only_deviation_id(rt):  # type: ignore[no-untyped-def]
    from events.deviation import Deviation

    for notification in rt.app.recorder.select_notifications(start=1, limit=100):
        event = rt.app.mapper.to_domain_event(notification)
        if isinstance(event, Deviation.Reported):
            return event.originator_id
    raise AssertionError("no deviation stored")


def test_settings_map_the_database_url_to_the_event_store() -> None:
    pg = Settings.from_env(
        {
            "TRACKER_DATABASE_URL": "postgresql://u:p%40ss@db.example:6543/tracker?schema=s1",
            "TRACKER_SECRET_KEY": "k",
        }
    )
    env = pg.eventsourcing_env()
    assert env["PERSISTENCE_MODULE"] == "eventsourcing.postgres"
    assert (env["POSTGRES_HOST"], env["POSTGRES_PORT"], env["POSTGRES_DBNAME"]) == (
        "db.example",
        "6543",
        "tracker",
    )
    assert (env["POSTGRES_USER"], env["POSTGRES_PASSWORD"], env["POSTGRES_SCHEMA"]) == (
        "u",
        "p@ss",
        "s1",
    )
    assert pg.sqlalchemy_url() == "postgresql+psycopg://u:p%40ss@db.example:6543/tracker"


def test_several_processes_creating_the_schema_at_once_all_succeed(
    environ: dict[str, str], runner: TrackerRunner
) -> None:
    env = os.environ | environ
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "tracker.cli", "init"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(4)
    ]
    results = [(p.wait(timeout=120), p.stderr.read().decode()) for p in processes]  # type: ignore[union-attr]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
    out = runner.invoke(["unit", "list"])
    assert out.exit_code == 0
    assert len(out.output.strip().splitlines()) == 7  # seeded exactly once


