"""The one shared conftest. Store-backed tests run on SQLite and, when
TRACKER_TEST_POSTGRES_URL is set (CI always sets it), on PostgreSQL too, each test in a
schema of its own.

TRACKER_TEST_TODAY=2027-01-01 (or a full ISO moment, 2027-01-01T00:30+01:00) runs the whole
session, and every tracker process its tests start, with the clock set there and ticking:
CI runs the suite once on the 1st of a month and once on 1 January this way.

Fixtures in the flaskr style: `app` (the Flask app on this test's runtime), `client`
(not logged in), `client_for(user)` (logged in), `runner` (the `tracker` command against
this test's store), `api(user, method, path, ...)` (with that user's bearer token);
`runtime` and `application` (the TrackerApplication) under them; `users` adds the one user
table of tests/support.py; `lex_sarah_case` and `child_report` build cases."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
import time_machine
from flask import Flask
from flask.testing import FlaskClient
from support import (
    PASSWORD,
    ROLES,
    USERS,
    Stores,
    TrackerRunner,
    WorkerApp,
    add_users,
    iso,
    log_in,
    make_app,
    tracker_environ,
)

from tracker.application import TrackerApplication
from tracker.config import Settings
from tracker.people.accounts import Account
from tracker.runtime import Runtime, open_runtime

# Re-exported for branches that import them from here; new code imports from support.
__all__ = ["PASSWORD", "ROLES", "USERS", "iso"]

POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL", "")
STORES = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]
# .ci/run's dated runs are SQLite only on purpose (see there); any other CI run needs both.
SQLITE_ONLY = os.environ.get("TRACKER_TEST_SQLITE_ONLY") == "1"

if os.environ.get("CI") and not POSTGRES_URL and not SQLITE_ONLY:
    raise pytest.UsageError("CI must set TRACKER_TEST_POSTGRES_URL: both stores are required")


# --- the clock ------------------------------------------------------------------------------

TEST_TODAY = os.environ.get("TRACKER_TEST_TODAY", "")
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def travel_moment() -> datetime | None:
    """Where TRACKER_TEST_TODAY puts the clock: a date means 09:00 in Stockholm that day."""
    if not TEST_TODAY:
        return None
    try:
        if "T" not in TEST_TODAY:
            return datetime.combine(date.fromisoformat(TEST_TODAY), dt_time(9), STOCKHOLM)
        moment = datetime.fromisoformat(TEST_TODAY)
    except ValueError as error:
        raise pytest.UsageError(f"TRACKER_TEST_TODAY={TEST_TODAY!r}: {error}") from error
    return moment if moment.tzinfo else moment.replace(tzinfo=STOCKHOLM)


def pytest_configure(config: pytest.Config) -> None:
    moment = travel_moment()
    if moment is None:
        return
    if time_machine.escape_hatch.is_travelling():
        # A pytest-xdist worker: it inherited the shift below and sitecustomize has already
        # moved its clock (recomputing here would give the processes it starts a shift of 0).
        return
    # Before collection: module-level dates in the test files see the travelled clock too.
    shift = moment.timestamp() - time.time()
    time_machine.travel(moment, tick=True).start()
    # Processes the tests start travel by the same shift (tests/time_travel/sitecustomize.py).
    os.environ["TRACKER_TEST_CLOCK_SHIFT"] = repr(shift)
    here = str(Path(__file__).parent / "time_travel")
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [here, os.environ.get("PYTHONPATH")]))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The slow tests first, then the browser tests, each group in its usual order: with
    one test handed out at a time (scripts/test: --maxschedchunk 1), the long ones run side
    by side from the start instead of one worker finishing them alone at the end."""

    def rank(item: pytest.Item) -> int:
        if item.get_closest_marker("slow"):
            return 0
        return 1 if item.get_closest_marker("browser") else 2

    items.sort(key=rank)


def pytest_report_header(config: pytest.Config) -> str | None:
    moment = travel_moment()
    if moment is None:
        return None
    return f"clock: TRACKER_TEST_TODAY, the session starts at {moment.isoformat()}"


def _plain_postgres_url() -> str:
    return POSTGRES_URL.split("?", 1)[0]


# --- stores and the runtime -----------------------------------------------------------------


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stores]:
    """This worker's source of stores (see Stores in support.py)."""
    pool = Stores(tmp_path_factory.mktemp("stores"), _plain_postgres_url())
    yield pool
    pool.close()


@pytest.fixture
def database_url(
    store: str, tmp_path: Path, stores: Stores, request: pytest.FixtureRequest
) -> Iterator[str]:
    """The test's own store: empty, or, when the test opens the `runtime` fixture (or the
    browser tests' `live_server`, which opens its own), with every table already made and
    the defaults seeded (what opening the runtime would do first; Stores builds that once
    per worker and copies it)."""
    built = "runtime" in request.fixturenames or "live_server" in request.fixturenames
    with stores.store(store, tmp_path / "tracker.sqlite3", built=built) as url:
        yield url


@pytest.fixture
def environ(database_url: str, tmp_path: Path) -> dict[str, str]:
    """The environment a tracker process in this test would see."""
    return tracker_environ(database_url, tmp_path / "instance")


@pytest.fixture
def settings(environ: dict[str, str]) -> Settings:
    return Settings.from_env(environ)


@pytest.fixture
def runtime(settings: Settings, stores: Stores) -> Iterator[Runtime]:
    # On a built store (database_url) the schema step would find everything in place.
    rt = open_runtime(settings, create_schema=not stores.is_built(settings.database_url))
    yield rt
    rt.close()


@pytest.fixture
def application(runtime: Runtime) -> TrackerApplication:
    return runtime.app


@pytest.fixture(scope="module")
def sqlite_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """One SQLite runtime for a whole module: for big tables of cases that store nothing
    (or nothing the other cases look at); the same code runs on PostgreSQL elsewhere."""
    folder: Path = tmp_path_factory.mktemp("shared")
    settings = Settings.from_env(
        {
            "TRACKER_DATABASE_URL": f"sqlite:///{folder / 'tracker.sqlite3'}",
            "TRACKER_INSTANCE_PATH": str(folder / "instance"),
            "TRACKER_SECRET_KEY": "test-secret",
        }
    )
    rt = open_runtime(settings)
    yield rt
    rt.close()


# --- users --------------------------------------------------------------------------------


def _quick_hash(password: str) -> str:
    from werkzeug.security import generate_password_hash

    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture(autouse=True)
def quick_password_hashing(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest,
) -> None:
    """scrypt takes ~0.2 s a hash by design; tests make many users (the demo seed a dozen),
    so in this process they hash with a cheap method (the stored hash names its method, so
    checking still works). A test marked real_password_hashing gets scrypt."""
    if not request.node.get_closest_marker("real_password_hashing"):
        monkeypatch.setattr("tracker.people.accounts.generate_password_hash", _quick_hash)


@pytest.fixture
def users(runtime: Runtime, quick_password_hashing: None) -> dict[str, Account]:
    return add_users(runtime)


@pytest.fixture
def tokens(runtime: Runtime, users: dict[str, Account]) -> dict[str, str]:
    return {name: runtime.accounts.create_token(name) for name in users}


# --- the web app, clients, the command line -----------------------------------------------


@pytest.fixture(scope="session")
def worker_app(tmp_path_factory: pytest.TempPathFactory) -> WorkerApp:
    """The Flask app this worker's tests share (see WorkerApp in support.py)."""
    folder = tmp_path_factory.mktemp("worker_app")
    return WorkerApp(Settings.from_env(tracker_environ("sqlite:///unbound", folder / "instance")))


@pytest.fixture
def app(runtime: Runtime, worker_app: WorkerApp) -> Iterator[Flask]:
    """The web app on this test's runtime: the worker's app bound to it, or an app of its
    own when the test changed a setting (its environ or settings fixture)."""
    if not worker_app.fits(runtime.settings):
        yield make_app(runtime)
        return
    with worker_app.bound_to(runtime) as bound:
        yield bound


@pytest.fixture
def web_app(app: Flask) -> Flask:
    """The older name of `app`, kept while branches that use it are in flight."""
    return app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def client_for(app: Flask, users: dict[str, Account]) -> Callable[[str], FlaskClient]:
    """A logged-in test client for one of USERS."""

    def make(username: str) -> FlaskClient:
        client = app.test_client()
        log_in(client, username)
        return client

    return make


@pytest.fixture
def api(app: Flask, tokens: dict[str, str]) -> Callable[..., Any]:
    """api(user, method, path, json=...) -> response, with that user's bearer token."""
    client = app.test_client()

    def call(user: str | None, method: str, path: str, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {tokens[user]}"} if user else {}
        headers |= kwargs.pop("headers", {})
        return client.open(path, method=method, headers=headers, **kwargs)

    return call


@pytest.fixture(scope="module")
def shared_app(sqlite_runtime: Runtime) -> Flask:
    """An app with USERS on the module's SQLite runtime (see sqlite_runtime)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("tracker.people.accounts.generate_password_hash", _quick_hash)
        add_users(sqlite_runtime)
    return make_app(sqlite_runtime)


@pytest.fixture
def runner(environ: dict[str, str]) -> TrackerRunner:
    return TrackerRunner(environ)


# --- cases --------------------------------------------------------------------------------


@pytest.fixture
def lex_sarah_case(runtime: Runtime) -> Callable[..., UUID]:
    """A Lex Sarah case opened from a fresh deviation (filed some days ago)."""

    def make(unit: str = "utredning") -> UUID:
        app = runtime.app
        today = app.today()
        deviation = app.file_deviation(
            actor="rapportor", unit=unit, category="genomforande", subcategory=None,
            occurred_on=today - timedelta(days=3), description="Knivar låg framme i köket.",
            reported_on=today - timedelta(days=2),
        )
        case = app.escalate_to_lex_sarah(
            deviation.id, actor="utvecklare", reason="Allvarlig risk för de unga.",
            opened_on=today - timedelta(days=1),
        )
        return case.id

    return make


@pytest.fixture
def child_report(runtime: Runtime) -> Callable[..., UUID]:
    """A child report received `days_ago` days ago in `unit`."""

    def make(unit: str = "utredning", days_ago: int = 2, **kwargs: Any) -> UUID:
        received = datetime.now(UTC) - timedelta(days=days_ago)
        report = runtime.app.receive_child_report(
            actor="forste", unit=unit, received_at=received,
            case_reference=kwargs.pop("case_reference", "IFO-2026-123"), **kwargs,
        )
        return report.id

    return make
