"""The Swedish catalogue: every message the domain can refuse with reaches people in
Swedish, and the committed .mo matches the .po (a fresh clone needs no compile step)."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from flask import Flask

from events.errors import CaseClosed, ValidationFailed
from web.i18n import TRANSLATIONS, domain_message

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = TRANSLATIONS / "sv" / "LC_MESSAGES"
FIELD_FIRST = {"ValidationFailed", "UnknownCode"}
MESSAGE_FIRST = {"DomainError", "StepOutOfOrder", "AlreadyRecorded", "CaseClosed",
                 "CaseWithdrawn"}


def domain_templates() -> set[str]:
    """Every literal message template raised in events/ and tracker/ (found in the source,
    so a new rule without a translation fails here)."""
    found: set[str] = set()
    for folder in ("events", "tracker"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Call):
                    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                    index = 1 if name in FIELD_FIRST else 0 if name in MESSAGE_FIRST else None
                    if index is not None and len(node.args) > index:
                        argument = node.args[index]
                        if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                            found.add(argument.value)
                elif isinstance(node, ast.ClassDef):
                    for statement in node.body:
                        if (isinstance(statement, ast.Assign)
                                and any(getattr(t, "id", "") == "template"
                                        for t in statement.targets)
                                and isinstance(statement.value, ast.Constant)):
                            found.add(statement.value.value)
    return found


def catalogue() -> dict[str, str]:
    with (CATALOGUE / "messages.po").open("rb") as handle:
        return {m.id: m.string for m in read_po(handle) if m.id}


def test_every_domain_message_has_a_swedish_translation() -> None:
    templates = domain_templates()
    assert len(templates) > 40  # the scan really finds the rules
    translations = catalogue()
    missing = sorted(t for t in templates if not translations.get(t))
    assert missing == []


def test_compiled_catalogue_matches_the_po_file() -> None:
    """If this fails: .venv/bin/pybabel compile -d web/translations"""
    with (CATALOGUE / "messages.po").open("rb") as handle:
        source = read_po(handle)
    compiled = io.BytesIO()
    write_mo(compiled, source)
    compiled.seek(0)
    expected = {m.id: m.string for m in read_mo(compiled) if m.id}
    with (CATALOGUE / "messages.mo").open("rb") as handle:
        committed = {m.id: m.string for m in read_mo(handle) if m.id}
    assert committed == expected


@pytest.mark.parametrize(
    ("error", "swedish"),
    [
        (ValidationFailed("f", "Unknown unit code: %(code)s", code="x"), "Okänd enhet: x"),
        (ValidationFailed("due_on", "The date cannot be before %(what)s (%(earliest)s).",
                          what="the reported date", earliest="2026-01-02"),
         "Datumet kan inte vara före rapportdatumet (2026-01-02)."),
        (CaseClosed(), "Ärendet är avslutat. Öppna det igen först."),
        (ValidationFailed("f", "An English message nobody translated."),
         "An English message nobody translated."),
    ],
)
def test_domain_messages_are_translated_with_their_parameters(
    shared_app: Flask, error: Exception, swedish: str
) -> None:
    with shared_app.test_request_context("/"):
        assert domain_message(error) == swedish  # type: ignore[arg-type]
    with shared_app.test_request_context("/api/v1/units"):  # the API answers in English
        assert domain_message(error) == str(error)  # type: ignore[arg-type]
