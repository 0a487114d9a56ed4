"""`tracker backup`, `restore` and `verify` as the municipality's IT meets them: what they
refuse (a folder in use, a store with data in it, a changed backup) leaves
everything as it was, and --force replaces a store with the backup."""

from __future__ import annotations

import json
from pathlib import Path

from support import TrackerRunner, file_deviation, stored_events

from tracker.runtime import Runtime, open_runtime
from tracker.storage.leader import leader_lock


def test_backup_refuses_a_folder_that_holds_something(
    runtime: Runtime, runner: TrackerRunner, tmp_path: Path
) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "other.txt").write_text("kept")
    result = runner.invoke(["backup", str(tmp_path / "used")])
    assert result.exit_code == 1
    assert "exists and is not an empty folder" in result.output
    assert sorted(p.name for p in (tmp_path / "used").iterdir()) == ["other.txt"]


def test_backup_refuses_to_encrypt_without_a_key(
    runtime: Runtime, runner: TrackerRunner, tmp_path: Path
) -> None:
    result = runner.invoke(["backup", "--encrypt", str(tmp_path / "b")])
    assert result.exit_code == 1
    assert "needs TRACKER_CIPHER_KEY" in result.output


def test_restore_refuses_a_store_with_data_and_force_replaces_it(
    runtime: Runtime, runner: TrackerRunner, tmp_path: Path
) -> None:
    file_deviation(runtime)
    assert runner.invoke(["backup", str(tmp_path / "b")]).exit_code == 0
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    file_deviation(runtime, description="Efter säkerhetskopian.")
    head = stored_events(runtime)

    refused = runner.invoke(["restore", str(tmp_path / "b")])
    assert refused.exit_code == 1
    assert f"the store is not empty ({head} events" in refused.output
    assert "--force" in refused.output
    assert stored_events(runtime) == head

    forced = runner.invoke(["restore", "--force", str(tmp_path / "b")])
    assert forced.exit_code == 0, forced.output
    reopened = open_runtime(runtime.settings)  # as the tracker started again after it
    try:
        assert stored_events(reopened) == manifest["positions"]["tracker"] < head
    finally:
        reopened.close()
    assert runner.invoke(["verify"]).exit_code == 0


def test_restore_refuses_while_a_tracker_runs_on_the_store(
    runtime: Runtime, runner: TrackerRunner, tmp_path: Path
) -> None:
    assert runner.invoke(["backup", str(tmp_path / "b")]).exit_code == 0
    running = leader_lock(runtime.settings)  # what a serving tracker's scheduler holds
    assert running.try_acquire()
    try:
        result = runner.invoke(["restore", "--force", str(tmp_path / "b")])
    finally:
        running.release()
    assert result.exit_code == 1
    assert "a tracker process is running on this store" in result.output


def test_restore_refuses_a_changed_backup_leaving_the_store_alone(
    runtime: Runtime, runner: TrackerRunner, tmp_path: Path
) -> None:
    file_deviation(runtime)
    assert runner.invoke(["backup", str(tmp_path / "b")]).exit_code == 0
    data = max((p for p in (tmp_path / "b").iterdir() if p.name != "manifest.json"),
               key=lambda p: p.stat().st_size)  # the events
    original = data.read_bytes()
    data.write_bytes(original[:-1] + bytes([original[-1] ^ 1]))
    head = stored_events(runtime)

    changed = runner.invoke(["restore", "--force", str(tmp_path / "b")])
    assert changed.exit_code == 1
    assert f"{data.name} differs from the manifest" in changed.output
    assert stored_events(runtime) == head


def test_restore_refuses_a_folder_without_a_manifest(
    runtime: Runtime, runner: TrackerRunner, tmp_path: Path
) -> None:
    (tmp_path / "nothing").mkdir()
    result = runner.invoke(["restore", str(tmp_path / "nothing")])
    assert result.exit_code == 1
    assert "holds no readable manifest.json" in result.output


def test_verify_on_a_store_without_events(runtime: Runtime, runner: TrackerRunner) -> None:
    result = runner.invoke(["verify"])
    assert result.exit_code == 0
    assert "Event chain intact: 0 events" in result.output
