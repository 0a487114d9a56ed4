"""With TRACKER_CIPHER_KEY set, an attachment's bytes are not in the database in clear
(SQLite's files, or the blobs and every text value of PostgreSQL's tables), nor its file name
or the conversation's texts; without it they are, so the search can fail. The download gives
the file back whole either way."""

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

from projections.runner import catch_up
from tracker.config import Settings
from tracker.runtime import Runtime

MARKER = "ZqBILAGAMARK"
TEXTS = {"question": "ZqFRAGAMARK", "answer": "ZqSVARMARK", "outcome": "ZqUTFALLMARK",
         "file_name": "ZqFILNAMNMARK"}


@pytest.fixture(params=[False, True], ids=["plain", "encrypted"])
def environ(environ: dict[str, str], request: pytest.FixtureRequest) -> dict[str, str]:
    return environ | ({"TRACKER_CIPHER_KEY": AESCipher.create_key(32)} if request.param else {})


def _stored(settings: Settings) -> bytes:
    if settings.is_sqlite:
        path = settings.sqlite_path
        files = [path.with_name(path.name + s) for s in ("", "-wal", "-shm", "-journal")]
        return b"".join(p.read_bytes() for p in files if p.is_file())
    url, schema = settings.database_url.split("?", 1)[0], settings.postgres_schema
    found: list[bytes] = []
    with psycopg.connect(url) as connection:
        columns = connection.execute(
            "SELECT table_name, column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = %s", (schema,),
        ).fetchall()
        for table, column, data_type in columns:
            sql = f'SELECT "{column}" FROM "{schema}"."{table}"'  # noqa: S608 - catalog names
            for (value,) in connection.execute(sql).fetchall():
                if value is None:
                    continue
                found.append(bytes(value) if data_type == "bytea" else str(value).encode())
    return b"\n".join(found)


def test_with_a_cipher_key_the_bytes_are_not_in_the_database_in_clear(
    runtime: Runtime, settings: Settings, client_for: Callable[[str], FlaskClient], users: Any
) -> None:
    deviation = file_deviation(runtime)
    page = f"/avvikelser/{deviation.id}"
    data = pdf(MARKER)
    chef = client_for("chef")
    name = f"{TEXTS['file_name']}.pdf"
    response = chef.post(f"{page}/bilagor", data={"casework_file": (io.BytesIO(data), name)},
                         content_type="multipart/form-data")
    assert response.status_code == 302
    [attachment] = runtime.app.case_file("deviation", deviation.id).active_attachments()
    assert chef.get(f"{page}/bilagor/{attachment.sha256}").data == data
    app = runtime.app
    app.ask_reporter("deviation", deviation.id, text=TEXTS["question"], actor="chef")
    app.answer_question("deviation", deviation.id, text=TEXTS["answer"], actor="rapportor")
    app.record_outcome("deviation", deviation.id, text=TEXTS["outcome"], actor="chef")
    assert catch_up(runtime, timeout=60)
    runtime.close()
    stored = _stored(settings)
    readable = sorted(k for k, m in {"bytes": MARKER, **TEXTS}.items() if m.encode() in stored)
    # The texts are sealed under the case's own key even in a plain store (gallring).
    assert readable == ([] if settings.cipher_key else ["bytes"])
