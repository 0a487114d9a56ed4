"""Complaints counted where the committee looks: the section "Klagomål och synpunkter" in
the monthly report, the committee report (page, PDF, Word) and the annual section (page,
Word, Excel), by kind, operation and kvalitetsområde; a month before the tracker took
complaints says "uppgift saknas"; the half-year view puts klagomål, deviations and Lex Sarah
side by side per kvalitetsområde and unit, with CSV and Excel."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import openpyxl
from docx import Document
from support import file_deviation

from events.calendar import MONTH_NAMES
from events.complaint import Channel, ComplaintKind, ContactWish, SenderCategory
from tracker.runtime import Runtime


def receive(runtime: Runtime, kind: ComplaintKind, unit: str | None, day: date,
            category: str | None = None) -> Any:
    app = runtime.app
    complaint, _ = app.receive_complaint(
        actor="utvecklare", kind=kind, unit=unit, sender=SenderCategory.CLIENT,
        channel=Channel.PHONE, text="Samtal.", contact_wish=ContactWish.NONE, received_on=day)
    if category:
        app.route_complaint(complaint.id, actor="utvecklare", unit=unit or "utredning",
                            category=category)
    return complaint


def seeded(runtime: Runtime) -> date:
    """Two klagomål and a beröm this month (one routed to HVB, one not), nothing before."""
    today = runtime.app.today()
    day = today.replace(day=1)
    receive(runtime, ComplaintKind.COMPLAINT, "hvb-notgarden", day, "genomforande")
    receive(runtime, ComplaintKind.COMPLAINT, None, day)
    receive(runtime, ComplaintKind.PRAISE, "utredning", day, "handlaggning")
    return day


def text_of(response: Any) -> str:
    return response.get_data(as_text=True)


def test_the_monthly_report_counts_by_kind_operation_and_area(
    runtime: Runtime, client_for: Callable[[str], Any],
) -> None:
    day = seeded(runtime)
    client = client_for("utvecklare")
    page = text_of(client.get(f"/rapporter/manad?year={day.year}&month={day.month}"))
    assert "Klagomål och synpunkter" in page
    assert "per typ" in page and "per verksamhet" in page and "per kvalitetsområde" in page
    assert "Ej klassificerat ännu" in page and "Genomförande av insats" in page
    assert ">3<" in page  # the total
    before = day - timedelta(days=40)
    earlier = text_of(client.get(f"/rapporter/manad?year={before.year}&month={before.month}"))
    assert "Klagomål och synpunkter: uppgift saknas" in earlier


def test_the_committee_report_and_annual_section_count_complaints(
    runtime: Runtime, client_for: Callable[[str], Any],
) -> None:
    file_deviation(runtime)
    day = seeded(runtime)
    client = client_for("utvecklare")
    committee = f"/rapporter/namnd/{day.year}/{day.month}"
    assert "Klagomål och synpunkter" in text_of(client.get(committee))
    word = client.get(f"{committee}.docx")
    assert word.status_code == 200
    # a section of the draft's own text (editable, frozen with the finalised report)
    paragraphs = [p.text for p in Document(io.BytesIO(word.data)).paragraphs]
    assert "Klagomål och synpunkter (3)" in paragraphs
    said = next(p for p in paragraphs if p.startswith(f"Under {MONTH_NAMES[day.month - 1]}"))
    assert "kom 3 klagomål och synpunkter in: 2 klagomål, 0 synpunkter och 1 beröm." in said
    assert "Genomförande av insats 1" in said and "ännu inte klassificerade" in said
    pdf = client.get(f"{committee}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    annual = f"/rapporter/kvalitetsberattelse/{day.year}"
    assert "Klagomål och synpunkter" in text_of(client.get(
        f"/rapporter/kvalitetsberattelse/?year={day.year}"))
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{annual}.xlsx").data))
    assert "Klagomål per typ" in workbook.sheetnames
    sheet = workbook["Klagomål per typ"]
    assert [c.value for c in sheet[2]] == ["Klagomål", 2]
    annual_word = Document(io.BytesIO(client.get(f"{annual}.docx").data))
    assert "Klagomål och synpunkter" in [p.text for p in annual_word.paragraphs]


def test_the_half_year_view_puts_the_three_side_by_side(
    runtime: Runtime, client_for: Callable[[str], Any], lex_sarah_case: Callable[..., Any],
) -> None:
    today = runtime.app.today()
    seeded(runtime)
    lex_sarah_case()
    half = 1 if today.month <= 6 else 2
    client = client_for("utvecklare")
    page = client.get(f"/rapporter/halvar?year={today.year}&half={half}")
    assert page.status_code == 200
    text = text_of(page)
    assert "HVB Notgården" in text and "Ej klassificerat ännu" in text
    csv = text_of(client.get(f"/rapporter/halvar.csv?year={today.year}&half={half}"))
    header, *lines = csv.lstrip("\ufeff").splitlines()
    assert header.split(";") == ["Kvalitetsområde", "Enhet", "Klagomål", "Avvikelser",
                                 "Lex Sarah"]
    rows = [line.split(";") for line in lines if line.count(";") == 4]
    hvb = next(r for r in rows if r[1] == "HVB Notgården" and "Genomförande" in r[0])
    assert hvb[2] == "1"
    # The Lex Sarah case was opened yesterday: counted in that day's half-year.
    opened = today - timedelta(days=1)
    lex_half = 1 if opened.month <= 6 else 2
    lex_csv = text_of(client.get(f"/rapporter/halvar.csv?year={opened.year}&half={lex_half}"))
    lex_rows = [line.split(";") for line in lex_csv.splitlines() if line.count(";") == 4]
    assert sum(int(r[4]) for r in lex_rows[1:]) == 1
    workbook = openpyxl.load_workbook(io.BytesIO(
        client.get(f"/rapporter/halvar.xlsx?year={today.year}&half={half}").data))
    assert workbook.active.cell(1, 3).value == "Klagomål"
    assert client.get("/rapporter/halvar?half=3").status_code == 422
    assert client_for("chef").get("/rapporter/halvar").status_code == 403
    assert client_for("admin").get("/rapporter/halvar.csv").status_code == 403
