"""`tracker projections rebuild`: progress on stderr, the rate when done, same views."""

from __future__ import annotations

import io
import re
from datetime import timedelta

from projection_oracles import CLASSIFICATIONS, UNITS, snapshot
from support import TrackerRunner

from projections.runner import BatchRunner, catch_up
from projections.views import VIEWS
from tracker.cli.projections import Progress
from tracker.runtime import Runtime


def fill(rt: Runtime, n: int) -> int:
    app = rt.app
    today = app.today()
    for i in range(n):
        category, subcategory = CLASSIFICATIONS[i % len(CLASSIFICATIONS)]
        app.file_deviation(
            actor="rapportor", unit=UNITS[i % len(UNITS)], category=category,
            subcategory=subcategory, occurred_on=today - timedelta(days=i),
            reported_on=today - timedelta(days=i), description="Något gick fel.",
        )
    assert catch_up(rt, timeout=30)
    return app.recorder.max_notification_id() or 0


def test_rebuild_shows_progress_and_the_rate_and_gives_the_same_views(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    head = fill(runtime, 30)
    before = snapshot(runtime.engine)

    result = runner.invoke(
        ["projections", "rebuild", "--batch-size", "10"]
    )

    assert result.exit_code == 0, result.output
    progress = result.stderr.strip().splitlines()
    # The first line before anything is done, the last when all is; each with the bar,
    # events done of the total, the rate and the time left.
    assert re.fullmatch(rf"\[-+\]\s+0%\s+0/{head} events\s+\d[\d,]* events/s\s+\S+ left",
                        progress[0]), progress
    assert re.fullmatch(
        rf"\[#+\] 100%\s+{head}/{head} events\s+[\d,]+ events/s\s+0:00:00 left", progress[-1]
    ), progress
    done = re.fullmatch(
        rf"Rebuilt {len(VIEWS)} view\(s\) \({', '.join(VIEWS)}\) from {head} events in "
        r"[\d.]+ s: ([\d,]+) events/s\n",
        result.stdout,
    )
    assert done, result.stdout
    assert int(done.group(1).replace(",", "")) > 0
    assert snapshot(runtime.engine) == before
    assert min(BatchRunner(runtime).positions().values()) == head


def test_rebuild_one_view_leaves_the_others_alone(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    fill(runtime, 5)
    before = snapshot(runtime.engine)

    result = runner.invoke(
        ["projections", "rebuild", "--view", "monthly_counts"]
    )

    assert result.exit_code == 0, result.output
    assert "Rebuilt 1 view(s) (monthly_counts) from" in result.stdout
    assert snapshot(runtime.engine) == before


def test_rebuild_refuses_an_unknown_view(runner: TrackerRunner) -> None:
    result = runner.invoke(["projections", "rebuild", "--view", "nope"])
    assert result.exit_code == 2
    assert "'nope' is not one of" in result.stderr


def test_progress_redraws_in_place_on_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    progress = Progress(stream, interval=0)
    progress(0, 200)
    progress(100, 200)
    progress(200, 200)
    progress(200, 200)  # a repeated final call draws nothing more
    text = stream.getvalue()
    assert text.count("\r") == 3
    assert text.endswith("\n") and text.count("\n") == 1
    assert "100/200 events" in text and "200/200 events" in text


def test_status_lists_each_view_against_the_head(
    runtime: Runtime, runner: TrackerRunner
) -> None:
    fill(runtime, 2)
    result = runner.invoke(["projections", "status"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(VIEWS)
    assert all(line.endswith("up to date") for line in lines)
