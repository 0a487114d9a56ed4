"""Moving the text of events stored before sealing existed under their cases' keys, so
that gallring can erase it too. Resumable and idempotent: each batch rewrites the events
it finds unsealed and re-links the hash chain after them in one transaction
(tracker/storage/chain.py rewrite_events); a rerun finds nothing left to seal. Each
re-linked head that was written out earlier gets a line beside it saying so."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

from tracker.application import TrackerApplication
from tracker.storage.chain import StoredRow, read_anchors, rebase_line, rewrite_events

REASON = "text of events from before sealing moved under case keys"
BATCH = 500


def seal_old_events(
    app: TrackerApplication, *, heads: Path | None = None, batch: int = BATCH,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Seal every event's unsealed content; returns how many events were rewritten.
    `progress(position looked at, rewritten so far)` after each batch."""
    mapper = app.mapper
    engine = app.key_ring.engine
    table: str = app.recorder.events_table_name  # type: ignore[attr-defined]

    def reseal(row: StoredRow) -> bytes | None:
        return mapper.reseal(UUID(hex=row.originator_id), row.topic, row.state)

    after, total = 0, 0
    while True:
        app.key_ring.reserve(batch)  # each event may be a case's first: keys made beforehand
        last, rewritten, changed = rewrite_events(
            engine, table, reseal, after=after, limit=batch, reason=REASON)
        total += rewritten
        if changed and heads is not None and heads.exists():
            _vouch(heads, changed)
        if last is None:
            break
        after = last
        if progress:
            progress(after, total)
    if progress:
        progress(after, total)
    return total


def _vouch(heads: Path, changed: dict[int, tuple[str, str]]) -> None:
    """Beside each anchored head that changed, the line that vouches for its new link."""
    anchored = read_anchors(heads)
    now = datetime.now(UTC)
    lines = [rebase_line(position, old, new, now, REASON)
             for position, (old, new) in sorted(changed.items())
             if anchored.get(position) == old]
    if lines:
        with heads.open("a", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in lines))
