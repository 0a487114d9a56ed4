"""The scheduler's daily look at the event log's hash chain: verify it and write its head
outside the database (TRACKER_CHAIN_HEAD_FILE and the log), so that a chain rewritten
later, from the first event, no longer matches a head written before."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from tracker.runtime import Runtime
from tracker.storage.chain import anchor_line, verify_chain

log = logging.getLogger(__name__)


def write_chain_head(runtime: Runtime, now: datetime | None = None) -> str:
    """Verify the chain and append its head to the file; returns the line written. A
    broken chain is logged as an error and its line says so."""
    verdict = verify_chain(runtime.engine, runtime.app.recorder.events_table_name)  # type: ignore[attr-defined]
    line = anchor_line(verdict.head, now or datetime.now(UTC))
    if verdict.intact:
        log.info("%s", line)
    else:
        line += f" BROKEN {verdict.problem}"
        log.error("%s", line)
    path = runtime.settings.chain_head_file
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return line
