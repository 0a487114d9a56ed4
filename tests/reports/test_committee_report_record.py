"""The report to the committee as a record: drafted, edited and finalised are its own events;
once finalised nothing changes it; revisions of a month are found by their fixed ids, and two
people drafting the same revision at once cannot both succeed."""

from __future__ import annotations

from typing import Any

import pytest

from events.committee_report import CommitteeReport
from events.errors import AlreadyRecorded, StepOutOfOrder, ValidationFailed
from tracker.application import ConflictError, TrackerApplication
from tracker.runtime import Runtime

TEXT = {
    "committee": "Socialnämnden", "administration": "Socialförvaltningen",
    "author": "utvecklare", "author_title": "Verksamhetsutvecklare",
    "title": "Avvikelser – rapport januari 2018", "report_date": "2018-02-06",
    "diary_number": "", "proposal": "Nämnden lägger rapporten till handlingarna.",
    "summary": "13 avvikelser har inkommit.", "background": "",
}
SECTIONS = [{"key": "genomforande", "heading": "Genomförande av insats", "count": 3,
             "text": "Knivar låg framme."}]
FIGURES: dict[str, Any] = {"year": 2018, "month": 1, "total": 13}


def _draft(app: TrackerApplication) -> CommitteeReport:
    return app.draft_committee_report(actor="utvecklare", year=2018, month=1, text=TEXT,
                                      sections=SECTIONS, figures=FIGURES)


def test_its_history_is_drafted_edited_finalised(runtime: Runtime) -> None:
    app = runtime.app
    report = _draft(app)
    app.edit_committee_report(report.id, actor="utvecklare",
                              text={"summary": "Tretton avvikelser."},
                              sections={"genomforande": "Knivar låg framme två gånger."})
    # an edit that changes nothing records nothing
    app.edit_committee_report(report.id, actor="utvecklare",
                              text={"summary": "Tretton avvikelser."}, sections={})
    app.confirm_committee_review(report.id, actor="utvecklare", masked="Inget.", flags=[])
    app.finalise_committee_report(report.id, actor="utvecklare", diary_number="SUN 2018/17")
    history = app.history(report.id)
    assert [entry.type for entry in history] == [
        "Drafted", "Edited", "SecrecyReviewConfirmed", "Finalised"]
    assert history[1].data["text"] == {"summary": "Tretton avvikelser."}
    assert history[2].by == "utvecklare"
    snapshot = history[3].data["content"]
    assert snapshot["text"]["diary_number"] == "SUN 2018/17"
    assert snapshot["text"]["summary"] == "Tretton avvikelser."
    assert snapshot["sections"][0]["text"] == "Knivar låg framme två gånger."
    assert history[3].data["finalised_on"] == app.today().isoformat()
    again = app.get_committee_report(report.id)  # replayed from the store
    assert again.is_final
    assert again.text["diary_number"] == "SUN 2018/17"


def test_a_finalised_report_cannot_change(runtime: Runtime) -> None:
    app = runtime.app
    report = _draft(app)
    app.confirm_committee_review(report.id, actor="utvecklare", masked="Inget.", flags=[])
    app.finalise_committee_report(report.id, actor="utvecklare", diary_number="SUN 2018/17")
    with pytest.raises(StepOutOfOrder):
        app.edit_committee_report(report.id, actor="utvecklare", text={"summary": "Ändrad."},
                                  sections={})
    with pytest.raises(AlreadyRecorded):
        app.finalise_committee_report(report.id, actor="utvecklare", diary_number="SUN 2018/18")
    assert app.get_committee_report(report.id).text["summary"] == TEXT["summary"]


def test_a_new_draft_is_a_new_revision_and_the_old_one_is_left_alone(runtime: Runtime) -> None:
    app = runtime.app
    first = _draft(app)
    second = _draft(app)
    assert (first.revision, second.revision) == (1, 2)
    assert [r.revision for r in app.committee_reports(2018, 1)] == [1, 2]
    assert app.committee_reports(2018, 2) == []
    with pytest.raises(StepOutOfOrder):
        app.edit_committee_report(first.id, actor="utvecklare", text={"summary": "x"},
                                  sections={})
    with pytest.raises(StepOutOfOrder):
        app.finalise_committee_report(first.id, actor="utvecklare", diary_number="SUN 2018/17")


def test_two_drafting_the_same_revision_at_once_cannot_both_succeed(runtime: Runtime) -> None:
    app = runtime.app
    # both read "no revision yet", then both save revision 1
    one = CommitteeReport.draft(year=2018, month=1, revision=1, text=TEXT, sections=SECTIONS,
                                figures=FIGURES, actor="utvecklare")
    two = CommitteeReport.draft(year=2018, month=1, revision=1, text=TEXT, sections=SECTIONS,
                                figures=FIGURES, actor="admin")
    app._save(one)
    with pytest.raises(ConflictError):
        app._save(two)
    assert len(app.committee_reports(2018, 1)) == 1


def test_a_stale_edit_is_refused(runtime: Runtime) -> None:
    app = runtime.app
    report = _draft(app)
    app.edit_committee_report(report.id, actor="utvecklare", text={"summary": "Först."},
                              sections={}, expected_version=1)
    with pytest.raises(ConflictError):
        app.edit_committee_report(report.id, actor="admin", text={"summary": "Sen."},
                                  sections={}, expected_version=1)
    assert app.get_committee_report(report.id).text["summary"] == "Först."


@pytest.mark.parametrize(("field", "value"), [
    ("summary", ""), ("summary", "Gäller 19121212-1212."), ("report_date", "i går"),
    ("title", "x" * 201),
])
def test_bad_texts_are_refused(runtime: Runtime, field: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        CommitteeReport.draft(year=2018, month=1, revision=1, text=TEXT | {field: value},
                              sections=SECTIONS, figures=FIGURES, actor="utvecklare")
    assert refused.value.field == field
