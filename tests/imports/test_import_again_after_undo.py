"""The same file imported again after an undo: a new import with its own id, while every
import stored before keeps its id and its events read as they did; a second import while
the first still counts is refused in the users' words, never with a hash."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from uuid import NAMESPACE_URL, uuid5

from babel.messages.pofile import read_po

from events.history_import import HistoryImport, import_id_for, imported_deviation_id

ROOT = Path(__file__).resolve().parents[2]


def test_a_first_import_keeps_the_id_imports_always_had_and_later_attempts_differ() -> None:
    sha = "6e9f" + "0" * 60
    assert import_id_for(sha) == uuid5(NAMESPACE_URL, f"/tracker/history-import/{sha}")
    assert HistoryImport.create_id(sha) == import_id_for(sha, 0)
    ids = {import_id_for(sha, attempt) for attempt in range(4)}
    assert len(ids) == 4
    rows = {imported_deviation_id(i, row) for i in ids for row in range(2, 12)}
    assert len(rows) == 40  # no imported deviation's id clashes with another attempt's


def test_the_stored_import_event_is_unchanged() -> None:
    """The id of a later attempt is passed to the aggregate, never stored in its event."""
    names = [f.name for f in dataclasses.fields(HistoryImport.Imported)]
    assert "id" not in names
    assert names[4:] == ["sha256", "kind", "file_name", "row_count", "imported_at", "counts",
                         "deviation_ids", "covers", "actor"]


def test_no_user_facing_text_shows_a_hash() -> None:
    templates = [p.read_text() for p in (ROOT / "web" / "templates").rglob("*.html")]
    assert not [t for t in templates if re.search(r"SHA-?256", t)]
    with (ROOT / "web/translations/sv/LC_MESSAGES/messages.po").open("rb") as handle:
        catalogue = read_po(handle)
    assert not [m.string for m in catalogue if m.string and "SHA" in str(m.string)]
