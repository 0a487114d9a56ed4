"""The access log (läslogg): every view of a case (page or API), every list filtered to a
unit and every download leaves exactly one entry with who, what, when, from where and
through which channel; only the admin searches it, the quality developer and the admin see
"Vem har läst ärendet" on a case; nothing changes or removes an entry but the retention
prune."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from support import PASSWORD

from tracker.cli import main
from tracker.people import access_log
from tracker.people.accounts import Account
from tracker.runtime import Runtime
from web.access_log import CASE_PREFIXES

ADDRESS = {"REMOTE_ADDR": "10.20.30.40"}
# The lists an enhetschef sees only their own units in: the start page (Att göra), the
# inbox, the child reports, Bevakning and the measures.
UNIT_SCOPED = ("/", "/inkorg", "/anmalningar/", "/bevakning/", "/atgarder")
ROOT = Path(__file__).resolve().parents[2]


def client_at(web_app: Flask, username: str, address: str = "10.20.30.40") -> FlaskClient:
    """Logged in from `address` (a session is bound to its address: Flask-Login "strong")."""
    client = web_app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def entries(runtime: Runtime) -> list[access_log.Entry]:
    return list(reversed(access_log.search(runtime.engine, limit=1000)[0]))


def file(runtime: Runtime, unit: str = "utredning") -> UUID:
    return runtime.app.file_deviation(
        actor="rapportor", unit=unit, category="handlaggning", subcategory="sekretess",
        occurred_on=runtime.app.today(), description="Ett brev gick till fel adress.",
    ).id


def test_each_case_view_leaves_one_entry_with_the_right_fields(
    web_app: Flask, users: dict[str, Account], api: Any, runtime: Runtime,
    lex_sarah_case: Callable[..., UUID], child_report: Callable[..., UUID],
) -> None:
    deviation = file(runtime)
    case = lex_sarah_case()
    report = child_report()
    utvecklare = client_at(web_app, "utvecklare")
    before = len(entries(runtime))
    reads = [
        ("page", f"/avvikelser/{deviation}", "deviation", deviation),
        ("page", f"/lex-sarah/{case}", "lex_sarah", case),
        ("page", f"/anmalningar/{report}", "child_report", report),
        ("api", f"/api/v1/deviations/{deviation}", "deviation", deviation),
        ("api", f"/api/v1/lex-sarah/{case}", "lex_sarah", case),
        ("api", f"/api/v1/child-reports/{report}", "child_report", report),
    ]
    for channel, path, kind, case_id in reads:
        started = datetime.now(UTC)
        if channel == "page":
            response = utvecklare.get(path, environ_base=ADDRESS)
        else:
            response = api("utvecklare", "GET", path, environ_base=ADDRESS)
        assert response.status_code == 200, path
        new = entries(runtime)[before:]
        assert len(new) == 1, (path, new)
        entry = new[0]
        assert (entry.username, entry.kind, entry.case_id, entry.what, entry.remote_addr,
                entry.channel) == ("utvecklare", kind, str(case_id), path, "10.20.30.40",
                                   channel)
        assert started - timedelta(seconds=1) <= entry.at <= datetime.now(UTC)
        before += 1


@pytest.mark.parametrize(
    ("kind", "reader", "page", "action", "shown"),
    [("deviation", "chef", "/avvikelser/", "feedback", "Ett brev gick till fel adress."),
     ("lex_sarah", "lexsarah", "/lex-sarah/", "atgard", "Allvarlig risk för de unga."),
     ("child_report", "forste", "/anmalningar/", "forlang-utredning", "IFO-2026-123")],
)
def test_a_refused_action_form_shows_the_case_again_and_leaves_one_entry(
    web_app: Flask, users: dict[str, Account], runtime: Runtime,
    lex_sarah_case: Callable[..., UUID], child_report: Callable[..., UUID],
    kind: str, reader: str, page: str, action: str, shown: str,
) -> None:
    """The case page comes back with 422 around the form's errors: the whole case is on
    it, so it is a read like the GET."""
    make = {"deviation": lambda: file(runtime), "lex_sarah": lex_sarah_case,
            "child_report": child_report}[kind]
    case = make()
    client = client_at(web_app, reader)
    path = f"{page}{case}/{action}"
    response = client.post(path, data={}, environ_base=ADDRESS)
    assert response.status_code == 422
    assert shown in response.get_data(as_text=True)
    (entry,) = entries(runtime)
    assert (entry.username, entry.kind, entry.case_id, entry.what, entry.channel,
            entry.remote_addr) == (reader, kind, str(case), path, "page", "10.20.30.40")


def test_an_api_action_answering_with_the_case_leaves_one_entry_its_refusal_none(
    api: Any, users: dict[str, Account], runtime: Runtime,
) -> None:
    """A POST answered with the whole deviation is a read; a 422 carries only the errors."""
    deviation = file(runtime)
    path = f"/api/v1/deviations/{deviation}/feedback"
    refused = api("chef", "POST", path, json={"message": ""})
    assert refused.status_code == 422 and "description" not in refused.get_json()
    assert entries(runtime) == []
    given = api("chef", "POST", path, json={"message": "Tack, rättat."})
    assert given.status_code == 200
    assert given.get_json()["description"] == "Ett brev gick till fel adress."
    (entry,) = entries(runtime)
    assert (entry.username, entry.kind, entry.case_id, entry.what, entry.channel) == (
        "chef", "deviation", str(deviation), path, "api")


def test_the_committee_report_page_is_logged_like_its_downloads(
    web_app: Flask, users: dict[str, Account], runtime: Runtime,
) -> None:
    """It shows every deviation of the month with what happened, the analysis and the
    measures: the page, its edit form and a refused finalising each leave one entry with
    the year and month, as the PDF does; the list of months (no case content) none."""
    file(runtime)
    today = runtime.app.today()
    year, month = today.year, today.month
    page = f"/rapporter/namnd/{year}/{month}"
    utvecklare = client_at(web_app, "utvecklare")
    assert utvecklare.get("/rapporter/namnd/").status_code == 200
    assert entries(runtime) == []
    # a draft with each case's own text (the author's choice; by default counts only)
    assert utvecklare.post(f"{page}/utkast", data={"case_texts": "true"}).status_code == 302
    shown = utvecklare.get(page, environ_base=ADDRESS)
    assert shown.status_code == 200
    assert "Ett brev gick till fel adress." in shown.get_data(as_text=True)
    assert utvecklare.get(f"{page}/redigera").status_code == 200
    assert utvecklare.post(f"{page}/granskning", data={}).status_code == 422
    assert utvecklare.post(f"{page}/faststall", data={}).status_code == 422
    assert utvecklare.get(f"{page}.pdf").status_code == 200
    got = [(e.kind, e.what, e.parameters) for e in entries(runtime)]
    period = {"year": str(year), "month": str(month)}
    assert got == [("report", page, period), ("report", f"{page}/redigera", period),
                   ("report", f"{page}/granskning", period),
                   ("report", f"{page}/faststall", period),
                   ("export", f"{page}.pdf", period | {"kind": "pdf"})]
    assert entries(runtime)[0].remote_addr == "10.20.30.40"
    assert access_log.KINDS["report"] == "Rapport med ärenden"


def test_refused_and_missing_cases_leave_no_entry(
    client_for: Callable[[str], FlaskClient], api: Any, runtime: Runtime,
) -> None:
    deviation = file(runtime, unit="hvb-notgarden")
    assert client_for("chef").get(f"/avvikelser/{deviation}").status_code == 403
    assert api("chef", "GET", f"/api/v1/deviations/{deviation}").status_code == 403
    missing = "00000000-0000-0000-0000-000000000000"
    assert client_for("utvecklare").get(f"/avvikelser/{missing}").status_code == 404
    assert entries(runtime) == []


def test_lists_filtered_to_a_unit_leave_one_entry_with_the_filter(
    web_app: Flask, client_for: Callable[[str], FlaskClient], api: Any, runtime: Runtime,
) -> None:
    utvecklare = client_at(web_app, "utvecklare")
    for path in UNIT_SCOPED:
        assert utvecklare.get(path).status_code == 200
    # Everything, for someone who sees everything: no unit; but the lists that show the
    # cases' own text (measures) or references (child reports) are reads of case content.
    assert [(e.kind, e.what, e.parameters) for e in entries(runtime)] == [
        ("list", "/anmalningar/", None), ("list", "/atgarder", None)]
    count = len(entries(runtime))
    assert api("utvecklare", "GET", "/api/v1/child-reports").status_code == 200
    assert [(e.kind, e.what) for e in entries(runtime)[count:]] == [
        ("list", "/api/v1/child-reports")]
    lists = [
        ("page", "/inkorg?unit=utredning&status=open"),
        ("page", "/anmalningar/?unit=utredning"),
        ("page", "/bevakning/?unit=utredning"),
        ("page", "/atgarder?unit=utredning"),
        ("api", "/api/v1/deviations?unit=utredning"),
        ("api", "/api/v1/child-reports?unit=utredning"),
    ]
    for channel, path in lists:
        count = len(entries(runtime))
        if channel == "page":
            response = utvecklare.get(path, environ_base=ADDRESS)
        else:
            response = api("utvecklare", "GET", path, environ_base=ADDRESS)
        assert response.status_code == 200, path
        new = entries(runtime)[count:]
        assert len(new) == 1, path
        assert new[0].kind == "list" and new[0].what == path.split("?")[0]
        assert new[0].parameters is not None and new[0].parameters["unit"] == "utredning"
        assert new[0].channel == channel and new[0].remote_addr == "10.20.30.40"
    # A unit manager's lists are always their own units'.
    chef = client_for("chef2")
    for path in UNIT_SCOPED:
        count = len(entries(runtime))
        assert chef.get(path).status_code == 200, path
        (entry,) = entries(runtime)[count:]
        assert (entry.username, entry.kind, entry.what, entry.parameters) == (
            "chef2", "list", path, {"units": ["oppenvard", "utredning"]})
    for path in ("/api/v1/deviations", "/api/v1/child-reports"):
        count = len(entries(runtime))
        assert api("chef2", "GET", path).status_code == 200
        (entry,) = entries(runtime)[count:]
        assert (entry.channel, entry.what, entry.parameters) == (
            "api", path, {"units": ["oppenvard", "utredning"]})


DOWNLOAD = re.compile(r"\.(csv|xlsx|pdf|docx)$")


def _downloads(web_app: Flask, year: int, month: int) -> list[str]:
    """Every download address outside /admin, built from the URL map: each choice of an
    `any(csv, xlsx)` part, and this year and month where the address takes them."""
    adapter = web_app.url_map.bind("localhost")
    found = set()
    for rule in web_app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith("/admin/"):
            continue
        choices: list[dict[str, object]] = [{}]
        for name in rule.arguments:
            converter = rule._converters[name]
            options: list[object] = sorted(getattr(converter, "items", ()))
            if not options:
                options = {"year": [year], "month": [month]}.get(name, [])
            choices = [c | {name: o} for c in choices for o in options]
        for values in choices:
            path = adapter.build(rule.endpoint, values)
            if DOWNLOAD.search(path):
                found.add(path)
    return sorted(found)


def test_every_download_leaves_one_export_entry_with_its_parameters(
    web_app: Flask, users: dict[str, Account], runtime: Runtime,
) -> None:
    file(runtime)
    today = runtime.app.today()
    downloads = _downloads(web_app, today.year, today.month)
    # The report tables (CSV and XLSX), the measures, the committee report and the annual
    # section's documents.
    assert len(downloads) >= 20
    assert {"/atgarder.csv", "/atgarder.xlsx", "/rapporter/manad.xlsx",
            f"/rapporter/namnd/{today.year}/{today.month}.pdf",
            f"/rapporter/kvalitetsberattelse/{today.year}.docx"} <= set(downloads)
    utvecklare = client_at(web_app, "utvecklare")
    for path in downloads:
        count = len(entries(runtime))
        response = utvecklare.get(path, query_string={"year": today.year},
                                  environ_base=ADDRESS)
        assert response.status_code == 200, path
        new = entries(runtime)[count:]
        assert len(new) == 1, path
        assert (new[0].kind, new[0].what, new[0].username, new[0].channel,
                new[0].remote_addr) == ("export", path, "utvecklare", "page", "10.20.30.40")
        assert new[0].parameters is not None and new[0].parameters["year"] == str(today.year)


def test_every_document_download_leaves_one_export_entry(
    web_app: Flask, users: dict[str, Account], api: Any, runtime: Runtime,
) -> None:
    """The documents (PDF, DOCX, XLSX) by page and by API, with the year and month they
    are for among the parameters."""
    file(runtime)
    today = runtime.app.today()
    year, month = today.year, today.month
    pages = [f"/rapporter/namnd/{year}/{month}.{kind}" for kind in ("pdf", "docx")] + [
        f"/rapporter/kvalitetsberattelse/{year}.{kind}" for kind in ("pdf", "docx", "xlsx")]
    documents = [p for p in pages if web_app.url_map.bind("x").test(p, "GET")]
    assert len(documents) == 5
    utvecklare = client_at(web_app, "utvecklare")
    for path in documents:
        count = len(entries(runtime))
        response = utvecklare.get(path)
        assert response.status_code == 200, path
        (entry,) = entries(runtime)[count:]
        assert (entry.kind, entry.what, entry.channel) == ("export", path, "page")
        assert entry.parameters is not None and entry.parameters["year"] == str(year)
    for path, query in [
        ("/api/v1/reports/monthly/document", {"year": year, "month": month, "format": "pdf"}),
        ("/api/v1/reports/annual/document", {"year": year, "format": "xlsx"}),
    ]:
        count = len(entries(runtime))
        response = api("utvecklare", "GET", path, query_string=query)
        assert response.status_code == 200, (path, response.get_data(as_text=True)[:300])
        (entry,) = entries(runtime)[count:]
        assert (entry.kind, entry.what, entry.channel, entry.username) == (
            "export", path, "api", "utvecklare")
        assert entry.parameters == {k: str(v) for k, v in query.items()}


def test_stylesheets_scripts_and_icons_leave_no_entry(
    client_for: Callable[[str], FlaskClient], runtime: Runtime,
) -> None:
    """Every page loads them; Flask names each file it sends (Content-Disposition: inline),
    which is no download of anything under secrecy."""
    client = client_for("chef")
    static = sorted(p.name for p in (ROOT / "web" / "static").iterdir() if p.is_file())
    assert {"style.css", "forms.js", "favicon.svg"} <= set(static)
    for path in [f"/static/{name}" for name in static] + ["/favicon.ico"]:
        assert client.get(path).status_code == 200, path
    assert entries(runtime) == []


def test_every_case_route_is_one_the_log_recognises(web_app: Flask) -> None:
    """A new page or endpoint showing one case must fall under CASE_PREFIXES, or the log
    would silently miss its reads."""
    prefixes = tuple(prefix for prefix, _ in CASE_PREFIXES)
    # An import's own pages (undo: the file, its dates and counts) name an import, no case.
    not_cases = ("/admin/import/",)
    case_routes = [
        rule.rule for rule in web_app.url_map.iter_rules()
        if "GET" in (rule.methods or ()) and "uuid:" in rule.rule
        and not rule.rule.startswith(not_cases)
    ]
    assert len(case_routes) >= 7
    assert [r for r in case_routes if not r.startswith(prefixes)] == []


@pytest.mark.parametrize(
    ("kind", "page", "api_path"),
    [("deviation", "/avvikelser/", "/api/v1/deviations/"),
     ("lex_sarah", "/lex-sarah/", "/api/v1/lex-sarah/"),
     ("child_report", "/anmalningar/", "/api/v1/child-reports/")],
)
def test_vem_har_last_arendet_lists_the_cases_readers(
    web_app: Flask, client_for: Callable[[str], FlaskClient], api: Any, runtime: Runtime,
    lex_sarah_case: Callable[..., UUID], child_report: Callable[..., UUID],
    kind: str, page: str, api_path: str,
) -> None:
    """On each kind of case page, for the verksamhetsutvecklare. (The admin reads no cases;
    the admin's list of a case's readers is /admin/logg?case=NUMBER, tested below.)"""
    make = {"deviation": lambda: file(runtime), "lex_sarah": lex_sarah_case,
            "child_report": child_report}[kind]
    case, other = make(), make()
    reader = "lexsarah" if kind == "lex_sarah" else "chef"
    client_at(web_app, reader, "10.0.0.7").get(f"{page}{case}")
    api("utvecklare", "GET", f"{api_path}{case}")
    client_for(reader).get(f"{page}{other}")  # another case's reader is not listed
    text = client_for("utvecklare").get(f"{page}{case}").get_data(as_text=True)
    section = text.split("Vem har läst ärendet", 1)[1].split("</section>", 1)[0]
    rows = [tuple(re.sub(r"<[^>]+>", "", cell)
                  for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)[1:])
            for row in re.findall(r"<tr>(<td.*?)</tr>", section)]
    assert rows == [("utvecklare", "API", "127.0.0.1"), (reader, "webbsida", "10.0.0.7")]
    assert "2 läsningar" in section


@pytest.mark.parametrize("role", ["rapportor", "chef", "forste", "lexsarah"])
def test_other_roles_never_see_the_log(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, role: str,
    child_report: Callable[..., UUID], lex_sarah_case: Callable[..., UUID],
) -> None:
    deviation = file(runtime)
    client_for("utvecklare").get(f"/avvikelser/{deviation}")
    client = client_for(role)
    for path in ("/admin/logg", "/admin/logg.csv"):
        assert client.get(path).status_code == 403
    pages = {
        "rapportor": [f"/avvikelser/{deviation}", f"/avvikelser/{deviation}/kvitto"],
        "chef": [f"/avvikelser/{deviation}", f"/anmalningar/{child_report()}"],
        "forste": [f"/anmalningar/{child_report()}"],
        "lexsarah": [f"/lex-sarah/{lex_sarah_case()}", f"/avvikelser/{deviation}"],
    }[role]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert "Vem har läst ärendet" not in text and "lasare-rubrik" not in text


def test_the_admin_searches_by_user_case_and_dates_and_exports_csv(
    client_for: Callable[[str], FlaskClient], runtime: Runtime,
) -> None:
    deviation, other = file(runtime), file(runtime)
    number = runtime.app.get_deviation(deviation).number
    old = datetime(2025, 3, 1, 12, tzinfo=UTC)
    access_log.record(runtime.engine, username="chef", kind="deviation", what="/x",
                      case_id=str(deviation), remote_addr="1.2.3.4", channel="page", at=old)
    client_for("chef").get(f"/avvikelser/{deviation}")
    client_for("utvecklare").get(f"/avvikelser/{deviation}")
    client_for("utvecklare").get(f"/avvikelser/{other}")
    admin = client_for("admin")

    def found(**query: str) -> int:
        response = admin.get("/admin/logg", query_string=query)
        assert response.status_code == 200
        text = response.get_data(as_text=True)
        match = re.search(r"(\d+) läsning(ar)?, nyaste", text)
        return int(match.group(1)) if match else 0

    assert found() == 4
    assert found(user="chef") == 2
    assert found(case=number) == 3
    assert found(case=number.lower(), user="utvecklare") == 1
    assert found(case=str(other)) == 1
    assert found(since="2025-01-01", until="2025-12-31") == 1
    assert found(since=date.today().isoformat()) == 3
    bad = admin.get("/admin/logg", query_string={"since": "2026-12-05", "until": "2026-12-01",
                                                 "case": "AV-1999-9999"})
    assert bad.status_code == 422 and "Till och med kan inte vara före" in bad.get_data(
        as_text=True)
    unknown = admin.get("/admin/logg", query_string={"case": "AV-1999-9999"})
    assert unknown.status_code == 422
    assert "Det finns inget ärende med det numret." in unknown.get_data(as_text=True)
    csv = admin.get("/admin/logg.csv", query_string={"case": number})
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert "attachment" in csv.headers["Content-Disposition"]
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("Tidpunkt;Användare;Vad;Ärende")
    assert len(lines) == 4  # header + the case's three reads, oldest first
    assert lines[1].split(";")[:4] == ["2025-03-01 13:00", "chef", "Avvikelse", number]
    assert client_for("chef2").get("/inkorg").status_code == 200
    lists = admin.get("/admin/logg.csv", query_string={"user": "chef2"}).get_data(as_text=True)
    (row,) = lists.splitlines()[1:]
    assert row.split(";")[1:] == ["chef2", "Lista för enhet", "", "", "/inkorg",
                                  "units=oppenvard,utredning", "127.0.0.1", "webbsida"]
    # Exporting the log is itself a download, and logged.
    assert access_log.search(runtime.engine, username="admin")[0][0].what == "/admin/logg.csv"


def test_no_route_changes_the_log(
    web_app: Flask, client_for: Callable[[str], FlaskClient], runtime: Runtime,
) -> None:
    file(runtime)
    client_for("utvecklare").get("/inkorg?unit=utredning")
    before = entries(runtime)
    admin = client_for("admin")
    for path in ("/admin/logg", "/admin/logg.csv"):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            assert admin.open(path, method=method).status_code == 405
    # No rule that takes a write names the log, and only the prune deletes in the code.
    writes = [r.rule for r in web_app.url_map.iter_rules()
              if (r.methods or set()) & {"POST", "PUT", "PATCH", "DELETE"}]
    assert not [rule for rule in writes if "logg" in rule or "access" in rule]
    for folder in ("web", "tracker", "projections", "events"):
        for path in (ROOT / folder).rglob("*.py"):
            source = path.read_text()
            for statement in re.findall(r"access_log\.(update|delete)\(", source):
                assert path.name == "access_log.py" and statement == "delete", path
    assert (ROOT / "tracker/people/access_log.py").read_text().count("access_log.delete(") == 1
    assert entries(runtime)[: len(before)] == before


def test_prune_keeps_the_retention_period(
    environ: dict[str, str], runtime: Runtime, users: dict[str, Account],
) -> None:
    now = datetime.now(UTC)
    for days_ago in (4000, 3651, 3649, 10):
        access_log.record(runtime.engine, username="chef", kind="list", what=f"/{days_ago}",
                          remote_addr="-", channel="page", at=now - timedelta(days=days_ago))
    result = CliRunner().invoke(main, ["access-log", "prune"], env=environ)
    assert result.exit_code == 0, result.output
    assert "Removed 2 access log entries older than 3650 days." in result.output
    assert [e.what for e in entries(runtime)] == ["/3649", "/10"]
    shorter = CliRunner().invoke(
        main, ["access-log", "prune"], env=environ | {"TRACKER_ACCESS_LOG_DAYS": "30"}
    )
    assert "Removed 1 " in shorter.output
    assert [e.what for e in entries(runtime)] == ["/10"]
    flag = CliRunner().invoke(main, ["access-log", "prune", "--days", "5"], env=environ)
    assert flag.exit_code == 0 and "Removed 1 access log entries older than 5 days." in flag.output
    assert entries(runtime) == []


@pytest.mark.parametrize(("proxies", "recorded"), [("0", "10.0.0.1"), ("1", "192.0.2.44")])
def test_behind_a_trusted_proxy_the_readers_own_address_is_recorded(
    environ: dict[str, str], users: dict[str, Account], runtime: Runtime, proxies: str,
    recorded: str,
) -> None:
    """Without TRACKER_TRUSTED_PROXIES a forwarded address is anyone's claim, and ignored."""
    from support import make_app

    from tracker.config import Settings
    from tracker.runtime import open_runtime

    behind = open_runtime(Settings.from_env(environ | {"TRACKER_TRUSTED_PROXIES": proxies}))
    try:
        app = make_app(behind)
        client = app.test_client()
        proxy = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.44",
                 "HTTP_X_FORWARDED_PROTO": "https",
                 "HTTP_X_FORWARDED_HOST": "avvikelser.kommun.example"}
        client.environ_base.update(proxy)
        assert client.post("/login", data={"username": "chef", "password": PASSWORD}
                           ).status_code == 302
        assert client.get("/inkorg").status_code == 200
        (entry,) = entries(runtime)
        assert entry.remote_addr == recorded
    finally:
        behind.close()
