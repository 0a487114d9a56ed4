"""What every test folder shares besides fixtures: the users, their password and small
helpers. Import it as `from support import ...` (tests/ is on sys.path: pytest puts the
root conftest's folder there). The fixtures themselves live in tests/conftest.py."""

from __future__ import annotations

import contextlib
import dataclasses
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, cast

import jinja2
import jinja2.bccache
import psycopg
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from psycopg.sql import SQL, Composed, Identifier, Literal

from tracker.config import Settings
from tracker.people.accounts import Account, Role
from tracker.runtime import Runtime, open_runtime
from web import create_app
from web.runtime import runtime as web_runtime

PASSWORD = "korrekt-hast-batteri"
# The one user table, each user with an address (address(name)). The reporter and the 1:e
# socialsekreterare work at Utredningsenheten (the staff form preselects a reporter's own
# unit); only an enhetschef's units limit what they see.
USERS: dict[str, tuple[Role, frozenset[str]]] = {
    "rapportor": (Role.RAPPORTOR, frozenset({"utredning"})),
    "chef": (Role.ENHETSCHEF, frozenset({"utredning"})),
    "chef2": (Role.ENHETSCHEF, frozenset({"utredning", "oppenvard"})),
    "chef_hvb": (Role.ENHETSCHEF, frozenset({"hvb-notgarden"})),
    "forste": (Role.FORSTE_SOCIALSEKRETERARE, frozenset({"utredning"})),
    "handlaggare.anna": (Role.RAPPORTOR, frozenset({"utredning"})),
    "handlaggare.bo": (Role.RAPPORTOR, frozenset({"utredning"})),
    "utvecklare": (Role.VERKSAMHETSUTVECKLARE, frozenset()),
    "lexsarah": (Role.LEX_SARAH_ANSVARIG, frozenset()),
    "lexsarah2": (Role.LEX_SARAH_ANSVARIG, frozenset()),
    "admin": (Role.ADMIN, frozenset()),
}
# One user per role, and a second enhetschef for another unit: the users the tables of
# routes x roles go through (the others are there for the notifications' recipients).
ROLES = ["rapportor", "chef", "chef_hvb", "forste", "utvecklare", "lexsarah", "admin"]
Clients = Callable[[str], FlaskClient]  # the type of the client_for fixture


def iso(day: date) -> str:
    return day.isoformat()


def tracker_environ(database_url: str, instance: Path) -> dict[str, str]:
    """The environment of a tracker process in a test (the `environ` fixture)."""
    return {
        "TRACKER_DATABASE_URL": database_url,
        "TRACKER_INSTANCE_PATH": str(instance),
        "TRACKER_SECRET_KEY": "test-secret",
        # A loaded test machine (parallel workers, browsers) may need more than the 2 s a
        # person waits; the page that says the lists lag is tested with catch_up stubbed.
        "TRACKER_CATCH_UP_SECONDS": "20",
    }


class _CompiledTemplates(jinja2.BytecodeCache):
    """Every app a test builds compiles the same templates; they keep the compiled code
    here, per worker (Jinja checks each against its source's checksum)."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if (code := self._code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


def make_app(runtime: Runtime, *, csrf: bool = False) -> Flask:
    app = create_app(runtime=runtime)
    app.config.update(TESTING=True, WTF_CSRF_ENABLED=csrf)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    return app


class _BoundGenerations:
    """create_app pins the cache generations of the runtime it was given around every
    request; the worker's app pins those of the runtime bound to it at the time."""

    def pin(self) -> None:
        web_runtime().generations.pin()

    def unpin(self) -> None:
        web_runtime().generations.unpin()


@dataclass(eq=False)
class _Unbound:
    """What create_app reads from a runtime while building the app: the settings it takes
    its configuration from and the generations its request hooks pin."""

    settings: Settings
    generations: _BoundGenerations


# Settings.from_env's defaults inside the instance folder: a new one missing here gives every
# test an app of its own again (tests/architecture/test_shared_worker_app.py keeps it whole).
INSTANCE_DEFAULTS = {"chain_head_file": "event-chain-heads.log"}


class WorkerApp:
    """One Flask app per xdist worker, bound to each test's runtime in turn.

    Building the app (create_app: blueprints, Babel, every API module) and compiling its
    templates again cost ~0.1-0.3 s per test. The app reaches the runtime only through
    `current_app.extensions["tracker"]` (web.runtime.runtime()) once built, so binding is
    putting the test's runtime there. What the app takes from the settings while being
    built (secret key, proxies, OpenID Connect, the instance folder) is fixed, so it only
    serves tests whose settings are these apart from the store and the instance folder;
    other tests build their own. After each test the configuration is put back and the
    runtime taken away (a request then fails loudly rather than reaching a closed store)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._unbound = _Unbound(settings, _BoundGenerations())
        self.app = make_app(cast(Runtime, self._unbound))
        self._config = dict(self.app.config)

    def fits(self, settings: Settings) -> bool:
        own = {"database_url": self.settings.database_url,
               "instance_path": self.settings.instance_path}
        # Settings whose default is a place in the instance folder count as that folder.
        for name in INSTANCE_DEFAULTS:
            if getattr(settings, name) == settings.instance_path / INSTANCE_DEFAULTS[name]:
                own[name] = getattr(self.settings, name)
        return dataclasses.replace(settings, **own) == self.settings

    @contextlib.contextmanager
    def bound_to(self, runtime: Runtime) -> Iterator[Flask]:
        self.app.extensions["tracker"] = runtime
        try:
            yield self.app
        finally:
            self.app.extensions["tracker"] = self._unbound
            self.app.config.clear()
            self.app.config.update(self._config)


def address(username: str) -> str:
    return f"{username}@kommun.example"


def add_users(runtime: Runtime) -> dict[str, Account]:
    return {
        name: runtime.accounts.add(name, role, PASSWORD, units=units, email=address(name))
        for name, (role, units) in USERS.items()
    }


def log_in(client: FlaskClient, username: str, password: str = PASSWORD) -> None:
    response = client.post("/login", data={"username": username, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)


def wait_for(predicate: Callable[[], Any], timeout: float = 30.0, every: float = 0.05) -> Any:
    """The predicate's first true value, asked every `every` seconds for `timeout` seconds
    (then AssertionError): for what another thread or process does in its own time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out waiting ({timeout} s)")


def free_port() -> int:
    """A loopback port nobody listens on now (the OS picks it)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def stored_events(runtime: Runtime) -> int:
    """The event log's head: unchanged means nothing was stored."""
    return runtime.app.recorder.max_notification_id() or 0


def file_deviation(runtime: Runtime, **overrides: Any) -> Any:
    values: dict[str, Any] = {
        "actor": "rapportor",
        "unit": "utredning",
        "category": "handlaggning",
        "subcategory": "sekretess",
        "occurred_on": runtime.app.today(),
        "description": "Ett brev skickades till fel adress.",
    }
    values.update(overrides)
    return runtime.app.file_deviation(**values)


def summary_links(html: str) -> list[str]:
    """The field ids a page's error summary links to."""
    match = re.search(r'<div class="error-summary" role="alert".*?</div>', html, re.S)
    assert match, "no error summary"
    return re.findall(r'href="#([\w-]+)"', match.group(0))


class TrackerRunner:
    """The `tracker` command run in-process against this test's store."""

    def __init__(self, environ: dict[str, str]) -> None:
        self.environ = environ

    def invoke(self, args: Sequence[str], **kwargs: Any) -> Result:
        from tracker.cli import main

        env = self.environ | kwargs.pop("env", {})
        return CliRunner().invoke(main, list(args), env=env, **kwargs)
def close_deviation(runtime: Runtime, deviation_id: Any, actor: str = "chef") -> None:
    """Close it the way the closing rules allow: analysis, why no measure, feedback."""
    app = runtime.app
    app.analyse_cause(deviation_id, actor=actor, analysis="Rutinen följdes inte.",
                      causes=["rutin_foljs_inte"])
    if not app.get_deviation(deviation_id).measures:
        app.record_no_measures_needed(deviation_id, actor=actor, reason="Rättat direkt.")
    app.give_feedback(deviation_id, actor=actor, message="Tack för rapporten.")
    app.close_deviation(deviation_id, actor=actor, summary="Klart")


# --- stores --------------------------------------------------------------------------------


def _new_schema_name() -> str:
    return f"t_{uuid.uuid4().hex[:16]}"


def _store_settings(url: str, instance: Path) -> Settings:
    return Settings.from_env(
        {"TRACKER_DATABASE_URL": url, "TRACKER_INSTANCE_PATH": str(instance),
         "TRACKER_SECRET_KEY": "test-secret"}
    )


def _live_children() -> set[int]:
    """This process's child processes that have not exited (zombies are left out)."""
    found: set[int] = set()
    for task in Path("/proc/self/task").iterdir():
        try:
            found |= {int(pid) for pid in (task / "children").read_text().split()}
        except OSError:
            continue
    alive = set()
    for pid in found:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z":
            alive.add(pid)
    return alive


def _live_threads() -> set[int | None]:
    return {thread.ident for thread in threading.enumerate() if thread.is_alive()}


# Everything in a schema that its tables' shape consists of, without the schema's name: two
# schemas with the same signature hold the same tables, columns, keys, indexes, sequences,
# functions and triggers.
_SIGNATURE = """
SELECT md5(coalesce(string_agg(item, '|' ORDER BY item), '')) FROM (
  SELECT 'rel ' || c.relname || ' ' || c.relkind::text AS item
    FROM pg_class c WHERE c.relnamespace = %(ns)s::regnamespace
  UNION ALL
  SELECT 'col ' || c.relname || '.' || a.attname || ' ' || a.attnum || ' '
         || format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull::text
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
   WHERE c.relnamespace = %(ns)s::regnamespace AND a.attnum > 0 AND NOT a.attisdropped
  UNION ALL
  SELECT 'con ' || conname || ' ' || contype::text
    FROM pg_constraint WHERE connamespace = %(ns)s::regnamespace
  UNION ALL
  SELECT 'fn ' || proname FROM pg_proc WHERE pronamespace = %(ns)s::regnamespace
  UNION ALL
  SELECT 'type ' || typname FROM pg_type WHERE typnamespace = %(ns)s::regnamespace
  UNION ALL
  SELECT 'trigger ' || t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
   WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal
) items
"""


def _referencing_first(tables: list[str], references: list[tuple[str, str]]) -> list[str]:
    """The tables ordered so that each comes before every table it references (a foreign
    key's table is emptied before the table it points at)."""
    ordered: list[str] = []
    seen: set[str] = set()

    def visit(table: str) -> None:
        if table in seen:
            return
        seen.add(table)
        for child, parent in references:
            if parent == table and child != table:
                visit(child)
        ordered.append(table)

    for table in tables:
        visit(table)
    return ordered


RESETS_BETWEEN_TRUNCATES = 50


class Stores:
    """Where each test's store comes from, one per xdist worker (the `stores` fixture).

    An empty store is what a test gets by default: a new SQLite file's path, or a new
    PostgreSQL schema dropped afterwards. A *built* store holds what `open_runtime` makes
    on an empty one (every table, the seeded units, taxonomy and cause list, the cache
    generations) and nothing else; making that from nothing took most of a PostgreSQL
    test's setup (~0.6 s, and ~0.3 s to drop it again). So it is made once per worker, by
    `open_runtime` itself, into a template:

    - SQLite: the template file is copied to the test's path.
    - PostgreSQL: schemas built from the template are kept in a pool. After a test its
      schema is emptied (TRUNCATE ... RESTART IDENTITY), given the template's rows and
      sequence positions again, and renamed, so every test still has a schema name of its
      own. A schema is dropped instead of reused when its tables' shape changed (the
      signature query), when reset cannot take its locks, or when the test left a child
      process or thread running that could still write into it."""

    def __init__(self, folder: Path, postgres_url: str) -> None:
        self.folder = folder
        self.postgres_url = postgres_url
        self._sqlite_template: Path | None = None
        self._connection: psycopg.Connection[Any] | None = None
        self._template: str | None = None
        self._signature = ""
        self._tables: list[str] = []
        self._seeded: list[str] = []
        self._sequences: list[tuple[str, int | None]] = []
        self._resets = 0
        self._free: list[str] = []
        self._left: set[str] = set()  # schemas that could not be dropped yet
        self._built: set[str] = set()

    # -- both stores

    @contextlib.contextmanager
    def store(self, kind: str, sqlite_path: Path, *, built: bool) -> Iterator[str]:
        """A store for one test: its URL, valid until the block ends."""
        if kind == "sqlite":
            if built:
                self._copy_sqlite_template(sqlite_path)
            urls: contextlib.AbstractContextManager[str] = contextlib.nullcontext(
                f"sqlite:///{sqlite_path}")
        else:
            urls = self._built_schema() if built else self._empty_schema()
        with urls as url:
            if built:
                self._built.add(url)
            try:
                yield url
            finally:
                self._built.discard(url)

    def is_built(self, url: str) -> bool:
        """Whether `url` is a built store handed out now: opening it needs no schema step."""
        return url in self._built

    def close(self) -> None:
        if self._connection is None:
            return
        for schema in [*self._free, *self._left, *filter(None, [self._template])]:
            with contextlib.suppress(psycopg.Error):
                self._drop(schema)
        self._connection.close()

    # -- SQLite

    def _copy_sqlite_template(self, path: Path) -> None:
        if self._sqlite_template is None:
            template = self.folder / "template.sqlite3"
            open_runtime(_store_settings(f"sqlite:///{template}", self.folder / "i")).close()
            self._sqlite_template = template
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(self._sqlite_template, path)
        wal = self._sqlite_template.with_name(self._sqlite_template.name + "-wal")
        if wal.exists():
            shutil.copyfile(wal, path.with_name(path.name + "-wal"))

    # -- PostgreSQL

    def _sql(self) -> psycopg.Connection[Any]:
        if self._connection is None or self._connection.closed:
            self._connection = psycopg.connect(self.postgres_url, autocommit=True)
            # A test that left a transaction open must not stall the run: its schema is
            # dropped later instead (see _release).
            self._connection.execute("SET lock_timeout = '10s'")
        return self._connection

    def _create(self) -> str:
        schema = _new_schema_name()
        self._sql().execute(SQL("CREATE SCHEMA {}").format(Identifier(schema)))
        return schema

    def _drop(self, schema: str) -> None:
        self._sql().execute(SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(Identifier(schema)))
        self._left.discard(schema)

    def _build(self) -> str:
        schema = self._create()
        url = f"{self.postgres_url}?schema={schema}"
        open_runtime(_store_settings(url, self.folder / "i")).close()
        return schema

    def _signature_of(self, schema: str) -> str:
        row = self._sql().execute(_SIGNATURE, {"ns": f'"{schema}"'}).fetchone()
        assert row is not None
        return str(row[0])

    def _make_template(self) -> str:
        template = self._build()
        sql = self._sql()
        tables = [row[0] for row in sql.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s ORDER BY tablename",
            (template,),
        )]
        references = sql.execute(
            "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint"
            " WHERE contype = 'f' AND connamespace = %s::regnamespace", (f'"{template}"',),
        ).fetchall()
        self._tables = _referencing_first(tables, [
            (child.rsplit(".", 1)[-1].strip('"'), parent.rsplit(".", 1)[-1].strip('"'))
            for child, parent in references
        ])
        self._seeded = [t for t in tables if sql.execute(
            SQL("SELECT EXISTS (SELECT FROM {})").format(Identifier(template, t))
        ).fetchone() == (True,)]
        self._sequences = [(name, value) for name, value in sql.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = %s",
            (template,),
        )]
        self._signature = self._signature_of(template)
        self._template = template
        return template

    def _reset(self, schema: str) -> Composed:
        """Back to the template's rows and sequence positions, in one transaction. DELETE,
        not TRUNCATE: TRUNCATE makes new files for each of the 30-odd tables (~0.5 s);
        every RESETS_BETWEEN_TRUNCATES-th reset truncates all the same, so that the dead
        rows DELETE leaves behind cannot pile up (the events table is not autovacuumed)."""
        assert self._template is not None
        self._resets += 1
        if self._resets % RESETS_BETWEEN_TRUNCATES == 0:
            emptying = [SQL("TRUNCATE {}").format(
                SQL(", ").join(Identifier(schema, t) for t in self._tables))]
        else:
            emptying = [SQL("DELETE FROM {}").format(Identifier(schema, t)) for t in self._tables]
        statements = [
            *emptying,
            *(SQL("INSERT INTO {} SELECT * FROM {}").format(
                Identifier(schema, t), Identifier(self._template, t)) for t in self._seeded),
            *(SQL("SELECT setval({}, {}, {})").format(
                Literal(f'"{schema}"."{name}"'), Literal(1 if value is None else value),
                Literal(value is not None))
              for name, value in self._sequences),
        ]
        return SQL(";\n").join(statements)

    @contextlib.contextmanager
    def _empty_schema(self) -> Iterator[str]:
        schema = self._create()
        try:
            yield f"{self.postgres_url}?schema={schema}"
        finally:
            self._drop(schema)

    @contextlib.contextmanager
    def _built_schema(self) -> Iterator[str]:
        if self._template is None:
            self._make_template()
        if self._free:
            schema = _new_schema_name()
            self._sql().execute(SQL("ALTER SCHEMA {} RENAME TO {}").format(
                Identifier(self._free.pop()), Identifier(schema)))
        else:
            schema = self._build()
        children, threads = _live_children(), _live_threads()
        try:
            yield f"{self.postgres_url}?schema={schema}"
        finally:
            self._release(schema, children, threads)

    def _release(self, schema: str, children: set[int], threads: set[int | None]) -> None:
        left_running = bool(_live_children() - children or _live_threads() - threads)
        try:
            if left_running or self._signature_of(schema) != self._signature:
                self._drop(schema)
                return
            self._sql().execute(self._reset(schema))
            self._free.append(schema)
        except psycopg.Error:
            self._left.add(schema)
            with contextlib.suppress(psycopg.Error):
                self._drop(schema)
