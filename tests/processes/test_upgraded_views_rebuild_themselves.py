"""An upgrade whose views changed shape needs nothing by hand: started on a store an older
release left, the tracker keeps answering every page from the old lists (saying they are
being rebuilt), builds the new views in the background and switches to them."""

from __future__ import annotations

import http.cookiejar
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from served import Served
from support import PASSWORD

from projections import tables
from projections.runner import catch_up
from projections.schema import pending_views
from projections.views import VIEWS
from tracker.people.accounts import Account
from tracker.runtime import Runtime

REBUILDING = "Listorna byggs om"
DEVIATIONS = 40
# The pages polled, by the user who reads them, and what each shows once rebuilt.
PAGES = {
    "/inkorg": "chef",
    "/anmalningar/": "forste",
    "/admin/import/": "admin",
}


class Browser:
    """One signed-in user over HTTP: a cookie jar and the login form's CSRF token."""

    def __init__(self, base: str, username: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        form = self.get("/login")[1]
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token is not None, form
        data = urllib.parse.urlencode({
            "csrf_token": token.group(1), "username": username, "password": PASSWORD,
        }).encode()
        with self.opener.open(f"{base}/login", data=data, timeout=60) as response:
            assert response.status == 200 and "/login" not in response.url, response.url

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(f"{self.base}{path}", timeout=60) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


@dataclass
class Poller:
    """Every page, again and again, in a thread: each answer's status and whether it said
    the lists are being rebuilt."""

    browsers: dict[str, Browser]
    answers: list[tuple[str, int, bool, float]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self.stop.is_set():
            for path, browser in self.browsers.items():
                started = time.monotonic()
                status, body = browser.get(path)
                self.answers.append(
                    (path, status, REBUILDING in body, time.monotonic() - started)
                )

    def rebuilding_since(self, index: int) -> bool:
        return any(said for _, _, said, _ in self.answers[index:])


def _view_named(table: sa.Table) -> str:
    return next(name for name, view in VIEWS.items() if table in view.tables)


def _as_an_older_release_left_it(runtime: Runtime) -> None:
    """The views as the release before left them: the deviation list without a column added
    since (readable by the new code once the column is there), the child reports' list with
    values the new code cannot read (content changed), and the history imports' view not
    there at all (new in this release); their recorded versions older than the code's."""
    quote = runtime.engine.dialect.identifier_preparer
    versions = tables.view_schemas
    with runtime.engine.begin() as connection:
        connection.exec_driver_sql(
            f"ALTER TABLE {quote.format_table(tables.deviations)} DROP COLUMN case_reference"
        )
        connection.exec_driver_sql(
            f"UPDATE {quote.format_table(tables.child_reports)} "  # noqa: S608 - our names
            "SET case_reference = 'enc1:c2tyaXZldCBtZWQgZW4gYW5uYW4gbnlja2Vs'"
        )
        for table in reversed(VIEWS["history_imports"].tables):
            table.drop(connection)
        connection.execute(
            versions.delete().where(versions.c.projection_name == "history_imports")
        )
        for table, older in ((tables.deviations, 2), (tables.child_reports, 1)):
            connection.execute(
                versions.update().where(versions.c.projection_name == _view_named(table))
                .values(schema=older)
            )


@pytest.mark.slow
def test_a_tracker_started_on_older_views_serves_them_rebuilds_in_the_background_and_switches(
    runtime: Runtime, environ: dict[str, str], users: dict[str, Account],
    tokens: dict[str, str],
) -> None:
    app = runtime.app
    for index in range(DEVIATIONS):
        app.file_deviation(
            actor="rapportor", unit="utredning", category="handlaggning",
            subcategory="sekretess", occurred_on=app.today(),
            description=f"Brev nummer {index} gick till fel adress.",
        )
    app.receive_child_report(
        actor="forste", unit="utredning", received_at=datetime.now(UTC) - timedelta(days=2),
        case_reference="DNR 2026/77",
    )
    assert catch_up(runtime, timeout=120)
    _as_an_older_release_left_it(runtime)

    # The web process alone first (no worker runs the migration yet): the old lists serve.
    server = Served(environ | {"TRACKER_EMBEDDED_WORKERS": "false"}).wait_ready()
    worker: Served | None = None
    poller = Poller({path: Browser(server.base, user) for path, user in PAGES.items()})
    polling = threading.Thread(target=poller.run, daemon=True)
    try:
        with runtime.engine.connect() as connection:
            assert pending_views(connection) == {
                "deviation_list", _view_named(tables.child_reports), "history_imports",
            }
        inbox = poller.browsers["/inkorg"].get("/inkorg")
        assert inbox[0] == 200 and REBUILDING in inbox[1]
        assert "Brev nummer" in inbox[1] or "AV-" in inbox[1]  # the old list, still there
        polling.start()
        request = urllib.request.Request(  # noqa: S310 - our own server
            f"{server.base}/api/v1/deviations", method="POST",
            headers={"Authorization": f"Bearer {tokens['rapportor']}",
                     "Content-Type": "application/json"},
            data=json.dumps({
                "unit": "utredning", "category": "handlaggning", "subcategory": "sekretess",
                "occurred_on": app.today().isoformat(),
                "description": "Filad medan listorna byggdes om.",
            }).encode(),
        )
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            assert response.status == 201
            filed = json.loads(response.read())["number"]
        time.sleep(1)
        assert len(poller.answers) >= len(PAGES)

        # Then the worker, as after any upgrade: it rebuilds and switches, nothing by hand.
        before_worker = len(poller.answers)
        worker = Served(environ | {"TRACKER_EMBEDDED_WORKERS": "true"})  # serve + workers
        deadline = time.monotonic() + 180
        while True:
            with runtime.engine.connect() as connection:
                if not pending_views(connection):
                    break
            assert worker.process.poll() is None, worker.output()
            assert time.monotonic() < deadline, f"the views were not switched\n{worker.output()}"
            time.sleep(0.1)
        switched = len(poller.answers)
        time.sleep(2)  # past the 1 s a process takes to notice the switch
        after = len(poller.answers)
        time.sleep(1)
    finally:
        poller.stop.set()
        polling.join(120)
        if worker is not None:
            worker.stop()
        server.stop()
    assert worker is not None

    # Every page answered, all along, and said the lists were being rebuilt until the switch.
    assert [a for a in poller.answers if a[1] != 200] == []
    assert poller.rebuilding_since(0) and not poller.rebuilding_since(after)
    assert {path for path, _, said, _ in poller.answers[:before_worker] if said} == set(PAGES)
    assert switched > before_worker  # pages were read while the new views were built
    # The child reports' old rows cannot be read by the new code: that page answered with
    # the notice instead of an error (logged as such, not as an unexpected error).
    assert "page read views being rebuilt" in server.output()
    assert "unexpected error" not in server.output() + worker.output()
    slowest = max(seconds for *_, seconds in poller.answers)
    assert slowest < 30, slowest

    # The new views: every deviation (the one filed meanwhile too), readable child reports,
    # the new view built, all at their code's version.
    with runtime.engine.connect() as connection:
        assert pending_views(connection) == frozenset()
        recorded = dict(connection.execute(sa.select(
            tables.view_schemas.c.projection_name, tables.view_schemas.c.schema)).all())
        listed = connection.execute(
            sa.select(sa.func.count()).select_from(tables.deviations)
        ).scalar()
    assert recorded == {name: view.schema for name, view in VIEWS.items()}
    assert listed == DEVIATIONS + 1
    assert catch_up(runtime, timeout=60)
    restarted = Served(environ | {"TRACKER_EMBEDDED_WORKERS": "false"}).wait_ready()
    try:
        pages = {path: Browser(restarted.base, user).get(path) for path, user in PAGES.items()}
    finally:
        restarted.stop()
    assert all(status == 200 and REBUILDING not in body for status, body in pages.values())
    assert filed in pages["/inkorg"][1]
    assert "DNR 2026/77" in pages["/anmalningar/"][1]
