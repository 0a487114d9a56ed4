"""`tracker retention apply`, held in the middle of an erasure for a kill -9: the Nth case
(argv[1]) has its keys destroyed and its bytes deleted, and is held just before its erasure
is recorded; the process says HELD on stdout and waits, so the test kills it at that moment
and no sooner or later. The rest of the arguments go to `tracker`."""

from __future__ import annotations

import sys
import threading
from typing import Any

from events.retention import RetentionRecord
from tracker.cli import main

hold_at = int(sys.argv.pop(1))
recorded = 0
record_erasure = RetentionRecord.record_erasure


def hold_then_record(self: RetentionRecord, **kwargs: Any) -> bool:
    global recorded
    recorded += 1
    if recorded == hold_at:
        print("HELD", flush=True)
        threading.Event().wait()  # until killed
    return record_erasure(self, **kwargs)


RetentionRecord.record_erasure = hold_then_record  # type: ignore[method-assign]
main()
