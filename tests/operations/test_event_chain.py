"""The event log's hash chain: `tracker verify` passes on an untouched store and names the
first event a database administrator changed, deleted or forged; a chain rewritten to hide
a change is caught by a head written out earlier; an older store is chained once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
import sqlalchemy as sa
from eventsourcing.persistence import IntegrityError as PersistenceIntegrityError
from eventsourcing.persistence import StoredEvent
from flask.testing import FlaskClient
from support import TrackerRunner, file_deviation

from tracker.operations.chain_head import write_chain_head
from tracker.runtime import Runtime, open_runtime
from tracker.storage.chain import (
    GENESIS,
    chain_head,
    link_hash,
    position_column,
    verify_chain,
)
from tracker.storage.tables import event_chain, event_chain_origin


def _events_table(runtime: Runtime) -> str:
    return str(runtime.app.recorder.events_table_name)  # type: ignore[attr-defined]


def _stored(runtime: Runtime, position: int) -> Any:
    position_of = position_column(runtime.engine.dialect)
    with runtime.engine.connect() as connection:
        return connection.execute(sa.text(
            f"SELECT originator_id, originator_version, topic, state FROM "  # noqa: S608
            f"{_events_table(runtime)} WHERE {position_of} = :p"), {"p": position}).one()


def _execute(runtime: Runtime, sql: str, **values: Any) -> None:
    with runtime.engine.begin() as connection:
        connection.execute(sa.text(sql), values)


def _file_some(runtime: Runtime, count: int = 4) -> list[int]:
    """File deviations; the positions of their events."""
    before = runtime.app.recorder.max_notification_id() or 0
    for index in range(count):
        file_deviation(runtime, description=f"Händelse {index} i kedjan.")
    head = runtime.app.recorder.max_notification_id() or 0
    return list(range(before + 1, head + 1))


def test_an_untouched_store_verifies_naming_the_count_and_the_head(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    _file_some(runtime)
    head = chain_head(runtime.engine)
    result = runner.invoke(["verify"])
    assert result.exit_code == 0, result.output
    assert f"Event chain intact: {head.count} events, head hash {head.hash}" in result.output
    assert head.count == runtime.app.recorder.max_notification_id()


def _alter_one_byte(runtime: Runtime, position: int) -> None:
    state = bytearray(_stored(runtime, position).state)
    state[len(state) // 2] ^= 0x01
    _execute(
        runtime,
        f"UPDATE {_events_table(runtime)} SET state = :s "  # noqa: S608
        f"WHERE {position_column(runtime.engine.dialect)} = :p",
        s=bytes(state), p=position,
    )


def _delete(runtime: Runtime, position: int) -> None:
    _execute(
        runtime,
        f"DELETE FROM {_events_table(runtime)} "  # noqa: S608
        f"WHERE {position_column(runtime.engine.dialect)} = :p",
        p=position,
    )


def _insert_forged(runtime: Runtime, position: int) -> int:
    """A new event, made from a stored one, written straight into the table; its position."""
    original = _stored(runtime, position)
    forged_id: Any = uuid4()
    if runtime.engine.dialect.name == "sqlite":
        forged_id = forged_id.hex
    _execute(
        runtime,
        f"INSERT INTO {_events_table(runtime)} (originator_id, originator_version, topic, "  # noqa: S608
        "state) VALUES (:o, 1, :t, :s)",
        o=forged_id, t=original.topic, s=original.state,
    )
    return int(runtime.app.recorder.max_notification_id() or 0)


@pytest.mark.parametrize("tampering", ["altered", "deleted", "inserted"])
def test_verify_names_the_event_changed_deleted_or_forged(
    runtime: Runtime, runner: TrackerRunner, tampering: str
) -> None:
    positions = _file_some(runtime)
    target = positions[len(positions) // 2]
    if tampering == "altered":
        _alter_one_byte(runtime, target)
        expected = f"altered: event {target} "
    elif tampering == "deleted":
        _delete(runtime, target)
        expected = f"missing: event {target} is in the chain but not in the log"
    else:
        target = _insert_forged(runtime, target)
        expected = f"inserted: event {target} "
    result = runner.invoke(["verify"])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "Event chain BROKEN" in result.output


def test_an_event_deleted_with_its_link_is_named_by_the_gap(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    positions = _file_some(runtime)
    target = positions[1]
    _delete(runtime, target)
    _execute(runtime, "DELETE FROM event_chain WHERE position = :p", p=target)
    result = runner.invoke(["verify"])
    assert result.exit_code == 1
    assert f"between position {target - 1} and {target + 1} was removed" in result.output


def _rewrite_chain(runtime: Runtime) -> None:
    """What an administrator who knows the scheme would do after a change: hash every
    event again so that the chain is consistent with the altered log."""
    previous = GENESIS
    position_of = position_column(runtime.engine.dialect)
    with runtime.engine.begin() as connection:
        rows = connection.execute(sa.text(
            f"SELECT {position_of} AS p, originator_id, originator_version, topic, state "  # noqa: S608
            f"FROM {_events_table(runtime)} ORDER BY {position_of}")).all()
        connection.execute(event_chain.delete())
        for row in rows:
            current = link_hash(previous, row.p, row.originator_id, row.originator_version,
                                row.topic, bytes(row.state))
            connection.execute(
                event_chain.insert().values(position=row.p, previous=previous, hash=current)
            )
            previous = current


def test_a_rewritten_chain_is_caught_by_the_head_written_out_before(
    runtime: Runtime, runner: TrackerRunner, tmp_path: Path
) -> None:
    positions = _file_some(runtime)
    heads = runtime.settings.chain_head_file
    assert heads is not None
    line = write_chain_head(runtime)
    assert f"hash={chain_head(runtime.engine).hash}" in line
    assert heads.read_text().strip() == line
    _file_some(runtime, 2)

    _alter_one_byte(runtime, positions[0])
    _rewrite_chain(runtime)
    alone = runner.invoke(["verify"])
    assert alone.exit_code == 0  # the chain alone cannot tell
    against = runner.invoke(["verify", "--heads", str(heads)])
    assert against.exit_code == 1
    assert f"rewritten: the link of event {positions[-1]} differs" in against.output


def test_the_daily_job_says_so_when_the_chain_is_broken(runtime: Runtime) -> None:
    positions = _file_some(runtime, 2)
    _delete(runtime, positions[0])
    line = write_chain_head(runtime)
    assert f"BROKEN missing: event {positions[0]}" in line


def test_an_older_store_is_chained_once_at_start_and_says_so(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    _file_some(runtime, 3)
    count = runtime.app.recorder.max_notification_id()
    with runtime.engine.begin() as connection:  # as a store from before the chain was
        connection.execute(event_chain.delete())
        connection.execute(event_chain_origin.delete())
    reopened = open_runtime(runtime.settings)
    try:
        with reopened.engine.connect() as connection:
            marker = connection.execute(sa.select(event_chain_origin)).one()
        assert (marker.events, marker.up_to) == (count, count)
        file_deviation(reopened)  # appended after the chained ones
    finally:
        reopened.close()
    result = runner.invoke(["verify"])
    assert result.exit_code == 0, result.output
    assert f"the chain was built over the {count} events stored before it" in result.output
    open_runtime(runtime.settings).close()
    with runtime.engine.connect() as connection:  # once: a second start builds nothing
        assert connection.execute(sa.select(sa.func.count()).select_from(
            event_chain_origin)).scalar() == 1


def test_concurrent_filings_make_one_unbroken_chain(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    errors: list[BaseException] = []

    def file_many(prefix: int) -> None:
        try:
            for index in range(8):
                file_deviation(runtime, description=f"Samtidig {prefix}-{index}.")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=file_many, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    result = runner.invoke(["verify"])
    assert result.exit_code == 0, result.output
    assert chain_head(runtime.engine).count == runtime.app.recorder.max_notification_id()


def test_the_admin_page_shows_the_head(
    runtime: Runtime, client_for: Callable[[str], FlaskClient]
) -> None:
    _file_some(runtime, 1)
    page = client_for("admin").get("/admin/").get_data(as_text=True)
    assert chain_head(runtime.engine).hash in page
    assert "Händelseloggens kedja" in page


def test_an_append_of_several_events_links_each_as_verify_reads_them(
    runtime: Runtime,
) -> None:
    """Several events in one append, a topic beyond ASCII, an empty state: each link is the
    hash `tracker verify` computes (PostgreSQL writes them in the store, SQLite here)."""
    before = runtime.app.recorder.max_notification_id() or 0
    events = [
        StoredEvent(uuid4(), 1, "kedja:Händelse_åäö", b"\x00\xff" * 300),
        StoredEvent(uuid4(), 1, "kedja:Tom", b""),
        StoredEvent(uuid4(), 7, "kedja:Sista", b"{}"),
    ]
    positions = runtime.app.recorder.insert_events(events)
    assert list(positions or []) == [before + 1, before + 2, before + 3]
    with runtime.engine.connect() as connection:
        links = connection.execute(
            sa.select(event_chain.c.position, event_chain.c.previous, event_chain.c.hash)
            .where(event_chain.c.position > before - 1).order_by(event_chain.c.position)
        ).all()
    previous = links[0].hash if before else GENESIS
    for event, position, link in zip(events, positions or [], links[-3:], strict=True):
        assert (link.position, link.previous) == (position, previous)
        assert link.hash == link_hash(
            previous, position, event.originator_id, event.originator_version, event.topic,
            event.state,
        )
        previous = link.hash
    assert verify_chain(runtime.engine, _events_table(runtime)).intact


def test_a_conflicting_append_is_refused_and_leaves_no_event_and_no_link(
    runtime: Runtime,
) -> None:
    """Two writers saving the same aggregate version: the second is refused as the event
    store's IntegrityError (what the application retries on), nothing of it stored."""
    originator = uuid4()
    runtime.app.recorder.insert_events([StoredEvent(originator, 1, "kedja:Först", b"a")])
    head = chain_head(runtime.engine)
    with pytest.raises(PersistenceIntegrityError):
        runtime.app.recorder.insert_events([
            StoredEvent(uuid4(), 1, "kedja:Annan", b"b"),
            StoredEvent(originator, 1, "kedja:Krock", b"c"),
        ])
    assert chain_head(runtime.engine) == head
    assert runtime.app.recorder.max_notification_id() == head.position
