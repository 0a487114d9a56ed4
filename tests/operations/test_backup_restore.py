"""`tracker backup` while people file, and `tracker restore` into a new store: every
filing acknowledged before the backup began is there, the views equal a fresh rebuild and
the event chain verifies; an encrypted backup is unreadable without the key."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any
from uuid import UUID

import sqlalchemy as sa
from eventsourcing.cryptography import AESCipher
from support import Stores, TrackerRunner, file_deviation, tracker_environ, wait_for

from projections import queries
from projections import tables as view_tables
from projections.rebuild import reset_views
from projections.runner import catch_up, make_views
from tracker.config import Settings
from tracker.people.accounts import Role
from tracker.runtime import Runtime, open_runtime
from tracker.storage.chain import verify_chain


def view_rows(engine: sa.Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every view table's rows, sorted (the tracking positions aside)."""
    with engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(sa.select(table))),
                               key=repr)
            for table in view_tables.metadata.sorted_tables
            if table is not view_tables.tracking
        }


class Filer(threading.Thread):
    """Files deviations one after another until stopped; keeps each acknowledged id."""

    def __init__(self, runtime: Runtime) -> None:
        super().__init__(daemon=True)
        self.runtime, self.acked, self.stop = runtime, list[UUID](), threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        index = 0
        while not self.stop.is_set():
            try:
                deviation = file_deviation(self.runtime, description=f"Under last {index}.")
            except BaseException as error:
                self.error = error
                return
            self.acked.append(deviation.id)
            index += 1


def test_a_backup_taken_while_people_file_restores_every_acknowledged_filing(
    runtime: Runtime, runner: TrackerRunner, stores: Stores, store: str, tmp_path: Path
) -> None:
    filer = Filer(runtime)
    filer.start()
    try:
        wait_for(lambda: len(filer.acked) >= 15)
        acknowledged_before = list(filer.acked)  # all acknowledged when the backup begins
        made = runner.invoke(["backup", str(tmp_path / "backup")])
        assert made.exit_code == 0, made.output
        during = len(filer.acked)
        wait_for(lambda: len(filer.acked) >= during + 5)  # filing went on throughout
    finally:
        filer.stop.set()
        filer.join()
    assert filer.error is None
    assert len(filer.acked) > len(acknowledged_before)
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["encrypted"] is False
    assert manifest["positions"]["tracker"] == manifest["chain_head"]["position"]

    with stores.store(store, tmp_path / "restored.sqlite3", built=False) as url:
        restorer = TrackerRunner(tracker_environ(url, tmp_path / "restored-instance"))
        restored = restorer.invoke(["restore", str(tmp_path / "backup")])
        assert restored.exit_code == 0, restored.output
        assert "Event chain intact" in restored.output
        rt = open_runtime(Settings.from_env(restorer.environ))
        try:
            assert rt.app.recorder.max_notification_id() == manifest["positions"]["tracker"]
            for deviation_id in acknowledged_before:
                assert rt.app.get_deviation(deviation_id).description.startswith("Under last")
            in_log = {
                n.originator_id for n in rt.app.recorder.select_notifications(
                    start=1, limit=1_000_000) if n.topic.endswith("Deviation.Reported")
            }
            assert queries.list_deviations(rt.engine, per_page=1).total == len(in_log)
            restored_views = view_rows(rt.engine)  # rebuilt in memory by the restore
            reset_views(rt, make_views(rt.engine))
            assert catch_up(rt, timeout=120)  # the other way: event by event, in batches
            assert view_rows(rt.engine) == restored_views
            verdict = verify_chain(rt.engine, rt.app.recorder.events_table_name)  # type: ignore[attr-defined]
            assert verdict.intact
            assert verdict.head.hash == manifest["chain_head"]["hash"]
        finally:
            rt.close()


def test_an_encrypted_backup_holds_nothing_readable_and_needs_the_key(
    database_url: str, stores: Stores, store: str, tmp_path: Path
) -> None:
    key = AESCipher.create_key(32)
    environ = tracker_environ(database_url, tmp_path / "instance") | {"TRACKER_CIPHER_KEY": key}
    rt = open_runtime(Settings.from_env(environ))
    try:
        rt.accounts.add("anna.andersson", Role("rapportor"), "ett-langt-losenord-9",
                        email="anna.andersson@kommun.example")
        file_deviation(rt, description="Markör-för-backup i texten.")
    finally:
        rt.close()
    made = TrackerRunner(environ).invoke(["backup", str(tmp_path / "backup")])
    assert made.exit_code == 0, made.output
    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    assert manifest["encrypted"] is True
    assert "AES-256-GCM" in manifest["encryption"]
    for file in (tmp_path / "backup").iterdir():
        if file.name != "manifest.json":
            data = file.read_bytes()
            assert b"anna.andersson" not in data and b"kommun.example" not in data

    with stores.store(store, tmp_path / "restored.sqlite3", built=False) as url:
        target = tracker_environ(url, tmp_path / "restored-instance")
        without_key = TrackerRunner(target).invoke(["restore", str(tmp_path / "backup")])
        assert without_key.exit_code != 0
        assert "set TRACKER_CIPHER_KEY" in without_key.output
        wrong = TrackerRunner(target | {"TRACKER_CIPHER_KEY": AESCipher.create_key(32)})
        refused = wrong.invoke(["restore", str(tmp_path / "backup")])
        assert refused.exit_code != 0
        assert "cannot be decrypted" in refused.output
        right = TrackerRunner(target | {"TRACKER_CIPHER_KEY": key})
        restored = right.invoke(["restore", "--force", str(tmp_path / "backup")])
        assert restored.exit_code == 0, restored.output
        rt = open_runtime(Settings.from_env(right.environ))
        try:
            account = rt.accounts.get("anna.andersson")
            assert account.email == "anna.andersson@kommun.example"
            listed = queries.list_deviations(rt.engine, per_page=10)
            assert listed.total == 1
            # The restored store goes on: new rows get new ids (PostgreSQL's sequences follow).
            rt.accounts.add("bertil", Role("rapportor"), "ett-annat-langt-losenord-8")
            file_deviation(rt, description="Efter återläsningen.")
            assert verify_chain(rt.engine, rt.app.recorder.events_table_name).intact  # type: ignore[attr-defined]
        finally:
            rt.close()
