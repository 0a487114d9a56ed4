"""Storage configuration, encryption at rest, and schema creation by several processes."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from eventsourcing.cryptography import AESCipher
from support import TrackerRunner

from events.retention import ContentKind
from tracker.config import Settings
from tracker.runtime import open_runtime
from tracker.storage.tables import case_keys

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
    # The description is sealed under its case's key either way; what the file alone holds
    # opens it exactly when the store is not encrypted (so this test can fail).
    assert SECRET_TEXT.encode() not in _raw_bytes(settings)
    assert _opens_from_the_file_alone(settings) is not encrypted
    rt = open_runtime(settings)
    try:
        [entry] = [h for h in rt.app.history(_only_deviation_id(rt)) if h.type == "Reported"]
        assert entry.data["description"] == SECRET_TEXT
    finally:
        rt.close()


def _opens_from_the_file_alone(settings: Settings) -> bool:
    """Whether the description opens with nothing but what the database holds: its case
    key as stored (plain without TRACKER_CIPHER_KEY, wrapped under it otherwise)."""
    rt = open_runtime(settings)
    try:
        deviation_id = _only_deviation_id(rt)
        [stored] = rt.app.recorder.select_events(deviation_id, limit=1)
        [key_id] = rt.app.mapper.key_ids([stored], {ContentKind.DEVIATION})
        with rt.engine.connect() as connection:
            wrapped = connection.execute(sa.select(case_keys.c.wrapped).where(
                case_keys.c.key_id == key_id)).scalar_one()
        state = stored.state
        if rt.app.mapper.cipher:
            state = rt.app.mapper.cipher.decrypt(state)
            state = rt.app.mapper.compressor.decompress(state)
        sealed = json.loads(state)["description"]
        data = base64.b64decode(sealed.rsplit(":", 1)[1])
        aad = deviation_id.bytes + b"description"
        try:
            text = AESGCM(bytes(wrapped)).decrypt(data[:12], data[12:], aad).decode()
        except (InvalidTag, ValueError):
            return False
        return text == SECRET_TEXT
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


