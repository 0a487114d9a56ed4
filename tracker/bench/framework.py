"""The web framework's own limit, for `tracker bench`: a minimal Flask app on the same WSGI
server (waitress, the same thread count as `tracker serve`) whose one route parses a JSON
body and does one INSERT + COMMIT into a table shaped like the event store's, in the same
kind of store (the same SQLite pragmas as the event store's connection, or PostgreSQL).

Run as `python -m tracker.bench.framework DATABASE_URL PORT THREADS`; the bench drives it with the
same client pool as the real filing endpoint, so the ratio of the two is what the
tracker's own work costs on top of the framework and one durable write."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
import uuid
from typing import Any

TABLE = "bench_framework_events"


def _sqlite_connect(path: str) -> sqlite3.Connection:
    # As eventsourcing.sqlite opens the event store: autocommit, explicit BEGIN, WAL,
    # the default (FULL) synchronous setting.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
    connection.execute("PRAGMA journal_mode=WAL")
    return connection


def make_app(database_url: str) -> Any:
    from flask import Flask, jsonify, request

    local = threading.local()
    if database_url.startswith("sqlite:///"):
        path = database_url.removeprefix("sqlite:///")
        setup = _sqlite_connect(path)
        setup.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} (originator_id TEXT, originator_version "
            "INTEGER, topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))"
        )
        setup.close()

        def insert(row: tuple[str, int, str, bytes]) -> None:
            connection = getattr(local, "connection", None)
            if connection is None:
                connection = local.connection = _sqlite_connect(path)
            connection.execute("BEGIN")
            connection.execute(f"INSERT INTO {TABLE} VALUES (?,?,?,?)", row)  # noqa: S608
            connection.execute("COMMIT")
    else:
        import psycopg

        url, _, query = database_url.partition("?")
        schema = query.removeprefix("schema=") if query.startswith("schema=") else "public"
        # PGOPTIONS too, as the tracker's own connections take it (tracker/storage/database.py).
        options = " ".join(
            part for part in (os.environ.get("PGOPTIONS", "").strip(), f"-csearch_path={schema}")
            if part
        )
        with psycopg.connect(url, autocommit=True, options=options) as pg:
            pg.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (originator_id uuid, originator_version "
                "integer, topic text, state bytea, notification_id bigserial, "
                "PRIMARY KEY (originator_id, originator_version))"
            )

        def insert(row: tuple[str, int, str, bytes]) -> None:
            connection = getattr(local, "connection", None)
            if connection is None:
                connection = local.connection = psycopg.connect(url, options=options)
            with connection.transaction():
                connection.execute(
                    f"INSERT INTO {TABLE} (originator_id, originator_version, topic, state) "  # noqa: S608
                    "VALUES (%s, %s, %s, %s)",
                    row,
                )

    app = Flask(__name__)

    @app.post("/file")
    def file() -> Any:
        body = request.get_json()
        if not isinstance(body, dict):
            return jsonify({"errors": {"_schema": ["not an object"]}}), 400
        identifier = str(uuid.uuid4())
        insert((identifier, 1, "bench:Filed", json.dumps(body).encode()))
        return jsonify({"id": identifier} | body), 201

    return app


def main() -> None:
    import waitress

    database_url, port, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    waitress.serve(
        make_app(database_url), host="127.0.0.1", port=port, threads=threads, ident="bench"
    )


if __name__ == "__main__":
    main()
