"""IVO's categories in the annual section: the year's Lex Sarah investigations and
anmälningar to IVO under IVO's händelsekategorier and verksamhetsområden (organisation data,
versioned), per 100,000 inhabitants from TRACKER_POPULATION. With the source municipality's
2017 figures (DOMAIN.md, imported as Tabell 32) both Lex Sarah columns still add up to 5."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from openpyxl import load_workbook

from events.errors import ValidationFailed
from events.history_import import ImportKind
from events.lex_sarah import Grade, IvoInvestigation
from projections import queries
from projections.runner import catch_up
from tracker.admin.ivo_categories import DEFAULT_IVO_CATEGORIES, IvoCategories
from tracker.config import Settings
from tracker.runtime import Runtime

# Tabell 32 (2017) line by line: operation, category, subcategory, count, Lex Sarah.
TABLE_32_LINES = [
    ("IFO", "handlaggning", "utredningstid", 59, 2),
    ("IFO", "handlaggning", "forhandsbedomning", 62, 1),
    ("IFO", "handlaggning", "ekonomi", 7, 0),
    ("IFO", "handlaggning", "registrering", 15, 0),
    ("IFO", "handlaggning", "sekretess", 5, 0),
    ("HVB", "handlaggning", "sekretess", 3, 0),
    ("IFO", "handlaggning", "annat", 49, 1),
    ("HVB", "handlaggning", "annat", 13, 0),
    ("IFO", "genomforande", "", 1, 0),
    ("HVB", "genomforande", "", 29, 1),
    ("HVB", "personal", "", 3, 0),
    ("IFO", "samverkan", "", 4, 0),
    ("HVB", "samverkan", "", 2, 0),
]
HEADER = "år;månad;verksamhet;kvalitetsområde;underkategori;antal;varav_lex_sarah"


@pytest.fixture
def environ(environ: dict[str, str]) -> dict[str, str]:
    return {**environ, "TRACKER_POPULATION": "2016=24800, 2017=25000"}


def _import_2017(runtime: Runtime) -> None:
    lines = [HEADER] + [f"2017;;{op};{cat};{sub};{n};{ls or ''}"
                        for op, cat, sub, n, ls in TABLE_32_LINES]
    runtime.app.store_import(ImportKind.COUNTS, "\r\n".join(lines).encode(), "tabell32.csv",
                             actor="utvecklare")
    catch_up(runtime)


def _ivo_rows(html: str) -> dict[str, list[str]]:
    table = html.split('id="ivo-statistik"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table.split("<tbody>", 1)[1], re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip()
                 for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        rows[cells[0]] = cells[1:]
    return rows


def test_the_2017_figures_under_ivos_categories_add_up_to_five(
    runtime: Runtime, users: Any, client_for: Callable[[str], Any], api: Callable[..., Any],
) -> None:
    _import_2017(runtime)
    html = client_for("utvecklare").get("/rapporter/kvalitetsberattelse/?year=2017").get_data(
        as_text=True)
    tabell_32 = html.split('id="tabell-32"', 1)[1].split("</table>", 1)[0]
    assert re.search(r"TOTALT</th>(<td[^>]*>\d+</td>){3}<td class=\"num\">5</td>", tabell_32)
    rows = _ivo_rows(html)
    # Columns: investigations IFO, HVB, total; anmälningar IFO, HVB, total.
    assert rows["Brister i handläggning och dokumentation"][:3] == ["4", "0", "4"]
    assert rows["Brister i utförande av insats"][:3] == ["0", "1", "1"]
    assert rows["Brister i sekretess och informationshantering"][:3] == ["0", "0", "0"]
    assert rows["TOTALT"] == ["4", "1", "5", "0", "0", "0"]
    # 5 investigations among 25,000 inhabitants: 20.0 per 100,000.
    assert rows["Per 100 000 invånare"] == ["", "", "20,0", "", "", "0,0"]
    assert "Folkmängd 2017: 25 000" in html
    # The Word file and the workbook carry the same table.
    book = load_workbook(io.BytesIO(api("utvecklare", "GET",
                         "/api/v1/reports/annual/document?year=2017&format=xlsx").get_data()))
    sheet = [[c.value for c in r] for r in book["IVO 2017"].iter_rows()]
    assert sheet[-2] == ["TOTALT", 4, 1, 5, 0, 0, 0]
    word = api("utvecklare", "GET", "/api/v1/reports/annual/document?year=2017&format=docx")
    assert word.status_code == 200


def test_anmalningar_count_in_the_year_they_were_sent_and_the_mapping_is_versioned(
    runtime: Runtime, users: Any, client_for: Callable[[str], Any],
    lex_sarah_case: Callable[..., UUID],
) -> None:
    app = runtime.app
    today = app.today()
    case_id = lex_sarah_case("hvb-notgarden")  # a genomforande deviation
    app.propose_grade(case_id, actor="lexsarah", grade=Grade.ALLVARLIGT, reasoning="Allvarligt.")
    app.report_to_ivo(case_id, actor="lexsarah", sent_on=today, ivo_reference="IVO-1",
                      diary_number="D-1", investigation=IvoInvestigation.TO_FOLLOW)
    catch_up(runtime)
    url = f"/rapporter/kvalitetsberattelse/?year={today.year}"
    rows = _ivo_rows(client_for("utvecklare").get(url).get_data(as_text=True))
    # investigations count in the year opened (on 1 January the fixture's was last year),
    # anmälningar in the year sent
    opened = "1" if app.get_lex_sarah_case(case_id).opened_on.year == today.year else "0"
    counted = ["0", opened, opened, "0", "1", "1"]
    assert rows["Brister i utförande av insats"] == counted
    assert rows["Per 100 000 invånare"][2] == "uppgift saknas"  # no population for the year

    # A new version of the mapping: the tracker's genomforande under a category of its own.
    mapping = DEFAULT_IVO_CATEGORIES
    changed = IvoCategories(
        version=0, event_categories={**mapping.event_categories, "omsorg": "Brister i omsorg"},
        areas=mapping.areas, rows={**mapping.rows, "genomforande": "omsorg"},
        operations=mapping.operations, fallback=mapping.fallback,
    )
    published = runtime.organisation.publish_ivo_categories(changed, "utvecklare")
    assert published.version == 2 and runtime.organisation.ivo_categories().version == 2
    html = client_for("utvecklare").get(url).get_data(as_text=True)
    rows = _ivo_rows(html)
    assert rows["Brister i omsorg"] == counted
    assert rows["Brister i utförande av insats"] == ["0", "0", "0", "0", "0", "0"]
    assert "kategorier, version 2" in html
    # Refused: an unknown row, an unknown target, an operation left out; nothing stored.
    for bad in (
        IvoCategories(0, mapping.event_categories, mapping.areas,
                      {**mapping.rows, "okand": "ovrigt"}, mapping.operations, "ovrigt"),
        IvoCategories(0, mapping.event_categories, mapping.areas,
                      {**mapping.rows, "samverkan": "okand"}, mapping.operations, "ovrigt"),
        IvoCategories(0, mapping.event_categories, mapping.areas, mapping.rows,
                      {"IFO": "ifo"}, "ovrigt"),
        IvoCategories(0, {"x": "19900101-1239"}, mapping.areas, {}, mapping.operations, "x"),
    ):
        with pytest.raises(ValidationFailed):
            runtime.organisation.publish_ivo_categories(bad, "utvecklare")
    assert runtime.organisation.ivo_categories().version == 2


def test_last_years_anmalan_is_not_this_years(
    runtime: Runtime, users: Any, lex_sarah_case: Callable[..., UUID],
) -> None:
    app = runtime.app
    today = app.today()
    case_id = lex_sarah_case()
    app.propose_grade(case_id, actor="lexsarah", grade=Grade.ALLVARLIGT, reasoning="Allvarligt.")
    app.report_to_ivo(case_id, actor="lexsarah", sent_on=today - timedelta(days=1),
                      ivo_reference="IVO-1", diary_number="D-1",
                      investigation=IvoInvestigation.ATTACHED)
    catch_up(runtime)
    sent = today - timedelta(days=1)
    assert queries.ivo_reports_by_row(runtime.engine, sent.year) == {
        ("genomforande", None, "IFO"): 1}
    assert queries.ivo_reports_by_row(runtime.engine, sent.year - 1) == {}


def test_the_population_setting_is_year_equals_inhabitants(tmp_path: Path) -> None:
    base = {"TRACKER_DATABASE_URL": "sqlite:///x", "TRACKER_SECRET_KEY": "k",
            "TRACKER_INSTANCE_PATH": str(tmp_path)}
    settings = Settings.from_env({**base, "TRACKER_POPULATION": "2017=25 000,2018=25300"})
    assert settings.population == {2017: 25000, 2018: 25300}
    for bad in ("2017", "2017=x", "17=25000", "2017=-1"):
        with pytest.raises(ValueError, match="TRACKER_POPULATION"):
            Settings.from_env({**base, "TRACKER_POPULATION": bad})


def test_the_mapping_changes_on_the_command_line_and_lands_in_andringar(
    runtime: Runtime, runner: Any, tmp_path: Path, users: Any,
    client_for: Callable[[str], Any],
) -> None:
    listed = runner.invoke(["ivo-categories", "list"])
    assert listed.exit_code == 0, listed.output
    document = json.loads(listed.output)
    assert document["version"] == 1 and document["rows"]["genomforande"] == "utforande"
    document["event_categories"].append({"code": "omsorg", "name": "Brister i omsorg"})
    document["rows"]["genomforande"] = "omsorg"
    path = tmp_path / "ivo.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    done = runner.invoke(["ivo-categories", "set", str(path)])
    assert done.exit_code == 0 and "version 2" in done.output, done.output
    assert runtime.organisation.ivo_categories().event_category("genomforande", None) == "omsorg"
    changes = client_for("admin").get("/admin/andringar").get_data(as_text=True)
    assert "Koppling till IVO:s kategorier ändrad" in changes
    # A file that is not a mapping, or a mapping that does not fit: refused, nothing stored.
    for bad in ("[1, 2]", "{}", json.dumps({**document, "rows": {"okand": "omsorg"}})):
        path.write_text(bad, encoding="utf-8")
        refused = runner.invoke(["ivo-categories", "set", str(path)])
        assert refused.exit_code != 0 and "Traceback" not in refused.output, bad
    assert runtime.organisation.ivo_categories().version == 2
