"""With TRACKER_CIPHER_KEY set, an attachment's bytes are not in the database in clear
(SQLite's files, or every value of PostgreSQL's tables); without it they are, so the search
can fail. The download gives the file back whole either way."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from eventsourcing.cryptography import AESCipher
from files import pdf
from flask.testing import FlaskClient
from support import file_deviation

from tracker.config import Settings
from tracker.runtime import Runtime

MARKER = "ZqBILAGAMARK"


@pytest.fixture(params=[False, True], ids=["plain", "encrypted"])
def environ(environ: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    return environ | ({"TRACKER_CIPHER_KEY": AESCipher.create_key(32)} if request.param else {})


def _stored(settings: Settings) -> bytes:
    if settings.is_sqlite:
        path = settings.sqlite_path
        files = [path.with_name(path.name + s) for s in ("", "-wal", "-shm", "-journal")]
        return b"".join(p.read_bytes() for p in files if p.is_file())
    url, schema = settings.database_url.split("?", 1)[0], settings.postgres_schema
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            f'SELECT content FROM "{schema}".attachment_blobs'  # noqa: S608 - our own name
        ).fetchall()
    return b"".join(bytes(content) for (content,) in rows)


def test_with_a_cipher_key_the_bytes_are_not_in_the_database_in_clear(
    runtime: Runtime, settings: Settings, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    page = f"/avvikelser/{deviation.id}"
    data = pdf(MARKER)
    chef = client_for("chef")
    response = chef.post(f"{page}/bilagor", data={"casework_file": (io.BytesIO(data), "r.pdf")},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    [attachment] = runtime.app.case_file("deviation", deviation.id).active_attachments()
    assert chef.get(f"{page}/bilagor/{attachment.sha256}").data == data
    runtime.close()
    assert (MARKER.encode() in _stored(settings)) is (settings.cipher_key is None)
