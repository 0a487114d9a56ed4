"""Put on PYTHONPATH by tests/conftest.py when TRACKER_TEST_TODAY is set, so the tracker
processes a test starts share its clock: Python imports `sitecustomize` at start-up, and
this moves the process's clock by the same shift as the test session's (still ticking)."""

import os

_shift = os.environ.get("TRACKER_TEST_CLOCK_SHIFT")
if _shift:
    import time

    import time_machine

    time_machine.travel(time.time() + float(_shift), tick=True).start()
