"""`tracker projections run`, held in the middle of a batch for a kill -9: the Nth event the
worker applies (argv[1]) is applied inside its view's open transaction, then the worker says
HELD on stdout and waits, so the test kills it at that moment and no sooner or later.
The rest of the arguments go to `tracker`."""

from __future__ import annotations

import sys
import threading
from typing import Any

from projections.runner import Dispatch
from tracker.cli import main

hold_at = int(sys.argv.pop(1))
applied = 0
apply = Dispatch.__call__


def apply_then_hold(self: Dispatch, view: Any, domain_event: Any, tracking: Any) -> None:
    global applied
    apply(self, view, domain_event, tracking)
    applied += 1
    if applied == hold_at:
        print("HELD", flush=True)
        threading.Event().wait()  # until killed


Dispatch.__call__ = apply_then_hold  # type: ignore[method-assign]
main()
