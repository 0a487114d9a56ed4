"""A store from before sealing: its events hold their text as it is, so destroying a key
would erase nothing. `seal_old_events` moves that text under the cases' keys (resumable,
in batches, a second run changes nothing); the hash chain is re-linked after the rewritten
events and still verifies, against the heads written out before too (a line beside them
vouches for each changed head; without it verifying names the rewrite). Gallring then
erases the old text like any other."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from eventsourcing.persistence import Mapper
from support import TrackerRunner

from events.retention import ContentKind
from tracker.retention.erasure import compact_storage, erase_case
from tracker.retention.legacy import seal_old_events
from tracker.runtime import Runtime
from tracker.storage.chain import anchor_line, chain_head, read_anchors, verify_chain

OLD_TEXT = "GAMMALTEXTMARKOR i pärmen"
OLD_ANALYSIS = "GAMMALANALYSMARKOR"


def _stored(rt: Runtime) -> bytes:
    """The store as bytes: SQLite's files, or every value of every table on PostgreSQL."""
    if rt.settings.is_sqlite:
        path = rt.settings.sqlite_path
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    with rt.engine.connect() as connection:
        return b"\n".join(
            repr(tuple(row)).encode()
            for table in sa.inspect(connection).get_table_names()
            for row in connection.execute(sa.text(f'SELECT * FROM "{table}"'))  # noqa: S608
        ).replace(b"\\xc3\\xa4", "ä".encode())


def test_old_events_are_sealed_the_chain_still_verifies_and_gallring_erases_them(
    runtime: Runtime, tmp_path: Path,
) -> None:
    rt, app = runtime, runtime.app
    table = app.recorder.events_table_name  # type: ignore[attr-defined]
    sealing = app.events.mapper
    app.events.mapper = Mapper(  # as this version's predecessors stored events
        transcoder=sealing.transcoder, cipher=sealing.cipher, compressor=sealing.compressor)
    try:
        old = app.file_deviation(
            actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
            occurred_on=app.today(), description=OLD_TEXT)
        app.analyse_cause(old.id, actor="chef", analysis=OLD_ANALYSIS,
                          causes=["mansklig_faktor"])
    finally:
        app.events.mapper = sealing
    for n in range(4):  # sealed ones after it: the chain is re-linked through them
        app.file_deviation(actor="rapportor", unit="utredning", category="genomforande",
                           subcategory=None, occurred_on=app.today(), description=f"Ny {n}")
    heads = tmp_path / "heads.log"
    heads.write_text(anchor_line(chain_head(rt.engine), datetime.now(UTC)) + "\n")
    before_rebase = heads.read_text()
    assert OLD_TEXT.encode() in _stored(rt)  # as it was stored: readable in the store

    seen: list[tuple[int, int]] = []
    assert seal_old_events(app, heads=heads, batch=3,
                           progress=lambda at, n: seen.append((at, n))) == 2
    assert len(seen) >= 3 and seen[-1][1] == 2  # in batches, saying how far it got
    assert seal_old_events(app, heads=heads) == 0  # nothing left: a rerun changes nothing

    verdict = verify_chain(rt.engine, table, read_anchors(heads))
    assert verdict.intact, verdict.problem
    assert verdict.origin and "rewritten on purpose" in verdict.origin
    unvouched = verify_chain(rt.engine, table, read_anchors(_written(tmp_path, before_rebase)))
    assert unvouched.problem and unvouched.problem.startswith("rewritten")

    app.repository.cache = None  # read from the store, not this process's copy
    assert app.get_deviation(old.id).description == OLD_TEXT  # sealed, still read
    assert erase_case(app, old.id, {ContentKind.DEVIATION}, rule="R1 v1", actor="scheduler")
    compact_storage(rt.engine)
    stored = _stored(rt)
    assert OLD_TEXT.encode() not in stored and OLD_ANALYSIS.encode() not in stored
    assert app.get_deviation(old.id).description == ""
    assert verify_chain(rt.engine, table, read_anchors(heads)).intact


def test_the_command_seals_what_is_left_and_says_how_many(
    runtime: Runtime, runner: TrackerRunner,
) -> None:
    app = runtime.app
    sealing = app.events.mapper
    app.events.mapper = Mapper(
        transcoder=sealing.transcoder, cipher=sealing.cipher, compressor=sealing.compressor)
    try:
        old = app.file_deviation(
            actor="rapportor", unit="utredning", category="genomforande", subcategory=None,
            occurred_on=app.today(), description=OLD_TEXT)
    finally:
        app.events.mapper = sealing
    first = runner.invoke(["retention", "seal-old", "--batch", "2"])
    assert first.exit_code == 0, first.output
    assert "1 events from before case keys sealed." in first.output
    again = runner.invoke(["retention", "seal-old"])
    assert "0 events from before case keys sealed." in again.output
    assert runner.invoke(["verify"]).exit_code == 0
    app.repository.cache = None
    assert app.get_deviation(old.id).description == OLD_TEXT


def _written(folder: Path, text: str) -> Path:
    path = folder / "heads-without-rebase.log"
    path.write_text(text)
    return path
