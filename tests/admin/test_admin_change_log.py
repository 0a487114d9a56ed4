"""Each administrative change, made on the admin pages, is applied and appears on
/admin/andringar with who made it and the values before and after; bad input is refused
with the error summary and stores nothing; the CLI's changes are in the same list."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from click.testing import CliRunner
from flask.testing import FlaskClient

from events.taxonomy import Operation
from tracker.admin import change_log
from tracker.cli import main
from tracker.people.accounts import Account, Role
from tracker.runtime import Runtime


def change_rows(client: FlaskClient, **query: str) -> list[list[str]]:
    """The change list as table rows of plain text cells (newest first)."""
    page = client.get("/admin/andringar", query_string=query)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    if "<tbody>" not in text:
        assert "Inga ändringar matchar urvalet." in text
        return []
    body = text.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
         for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def latest(client: FlaskClient) -> dict[str, str]:
    _when, who, what, subject, before, after = change_rows(client)[0]
    return {"who": who, "what": what, "subject": subject, "before": before, "after": after}


def test_adding_a_user_shows_the_one_time_password_once_and_is_listed(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    admin = client_for("admin")
    response = admin.post("/admin/anvandare", data={
        "username": "Nya.Chefen", "role": "enhetschef", "units": ["utredning", "oppenvard"],
        "email": "nya.chefen@kommun.example",
    })
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    password = re.search(r'<code class="secret">([^<]+)</code>', page).group(1)  # type: ignore[union-attr]
    account = runtime.accounts.get("nya.chefen")
    assert account.role is Role.ENHETSCHEF and account.units == {"utredning", "oppenvard"}
    assert account.must_change_password and account.email == "nya.chefen@kommun.example"
    assert runtime.accounts.authenticate("nya.chefen", password) is not None
    assert latest(admin) == {
        "who": "admin (webben)", "what": "Användare skapad", "subject": "nya.chefen",
        "before": "–",
        "after": "roll: enhetschef; enheter: oppenvard, utredning; "
                 "e-post: nya.chefen@kommun.example; aktiv: ja",
    }
    assert password not in admin.get("/admin/andringar").get_data(as_text=True)
    assert password not in admin.get("/admin/anvandare/nya.chefen").get_data(as_text=True)


def test_changing_role_units_and_email_records_before_and_after(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    admin = client_for("admin")
    response = admin.post("/admin/anvandare/chef", data={
        "role": "verksamhetsutvecklare", "units": ["oppenvard"], "email": "ny.chef@kommun.example",
    })
    assert response.status_code == 302
    account = runtime.accounts.get("chef")
    assert account.role is Role.VERKSAMHETSUTVECKLARE and account.units == {"oppenvard"}
    assert latest(admin) == {
        "who": "admin (webben)", "what": "Användare ändrad", "subject": "chef",
        "before": "roll: enhetschef; enheter: utredning; e-post: chef@kommun.example",
        "after": "roll: verksamhetsutvecklare; enheter: oppenvard; "
                 "e-post: ny.chef@kommun.example",
    }
    # Saving the same values again is no change and records nothing.
    count = change_log.changes(runtime.engine)[1]
    admin.post("/admin/anvandare/chef", data={
        "role": "verksamhetsutvecklare", "units": ["oppenvard"], "email": "ny.chef@kommun.example",
    })
    assert change_log.changes(runtime.engine)[1] == count
    # The user's page lists its own changes.
    assert "Användare ändrad" in admin.get("/admin/anvandare/chef").get_data(as_text=True)


def test_a_persons_own_e_mail_address_change_is_listed(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    """Mina inställningar: the notifications about cases go to this address."""
    chef = client_for("chef")
    assert chef.post("/installningar/epost", data={"email": "chef@annan.example"}
                     ).status_code == 302
    assert runtime.accounts.get("chef").email == "chef@annan.example"
    assert latest(client_for("admin")) == {
        "who": "chef (webben)", "what": "Användare ändrad", "subject": "chef",
        "before": "e-post: chef@kommun.example", "after": "e-post: chef@annan.example",
    }


def test_deactivating_and_resetting_a_password(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, web_app: Any
) -> None:
    admin = client_for("admin")
    chef = client_for("chef")
    token = {"Authorization": f"Bearer {runtime.accounts.create_token('chef', 'skript')}"}
    assert web_app.test_client().get("/api/v1/units", headers=token).status_code == 200
    assert admin.post("/admin/anvandare/chef/aktiv", data={"active": "0"}).status_code == 302
    assert not runtime.accounts.get("chef").active
    assert chef.get("/").status_code == 302  # the open session ends with the account
    assert web_app.test_client().get("/api/v1/units", headers=token).status_code == 401
    assert latest(admin)["what"] == "Användare inaktiverad"
    assert latest(admin)["before"] == "aktiv: ja; giltiga API-nycklar: 1"
    assert latest(admin)["after"] == "aktiv: nej; giltiga API-nycklar: 0"
    admin.post("/admin/anvandare/chef/aktiv", data={"active": "1"})
    assert runtime.accounts.get("chef").active
    # Back again, the person makes new tokens: the old one stays revoked.
    assert web_app.test_client().get("/api/v1/units", headers=token).status_code == 401
    reset = admin.post("/admin/anvandare/chef/losenord").get_data(as_text=True)
    password = re.search(r'<code class="secret">([^<]+)</code>', reset).group(1)  # type: ignore[union-attr]
    login = web_app.test_client().post("/login", data={"username": "chef", "password": password})
    assert login.location == "/konto/losenord"  # a one-time password: choose your own first
    assert latest(admin) == {
        "who": "admin (webben)", "what": "Engångslösenord satt", "subject": "chef",
        "before": "måste byta lösenord: nej", "after": "måste byta lösenord: ja",
    }


def test_the_last_active_admin_cannot_be_removed(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    admin = client_for("admin")
    for path, form in (("/admin/anvandare/admin/aktiv", {"active": "0"}),
                       ("/admin/anvandare/admin", {"role": "rapportor"})):
        response = admin.post(path, data=form)
        assert response.status_code == 422
        assert "admin är den enda aktiva administratören." in response.get_data(as_text=True)
    assert runtime.accounts.get("admin").role is Role.ADMIN
    assert runtime.accounts.get("admin").active
    assert change_log.changes(runtime.engine)[1] == 0


def test_tokens_made_by_their_owner_and_revoked_by_the_admin(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, api: Any
) -> None:
    """The admin makes no tokens for others (a token acts as its owner); the owner makes
    one on Mina inställningar and the admin sees and revokes it, both in the list."""
    page = client_for("chef").post("/installningar/nycklar", data={"name": "Verksamhetssystemet"})
    token = re.search(r"(trk_[\w-]+)", page.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    assert runtime.accounts.account_for_token(token).username == "chef"  # type: ignore[union-attr]
    admin = client_for("admin")
    listing = admin.get("/admin/nycklar").get_data(as_text=True)
    assert "Verksamhetssystemet" in listing and token not in listing
    assert latest(admin)["what"] == "API-nyckel skapad"
    assert "namn: Verksamhetssystemet" in latest(admin)["after"]
    token_id = next(t.id for t in runtime.accounts.tokens("chef") if t.name)
    assert admin.post(f"/admin/nycklar/{token_id}/aterkalla").status_code == 302
    assert runtime.accounts.account_for_token(token) is None
    assert latest(admin)["what"] == "API-nyckel återkallad"
    assert "aktiv: ja" in latest(admin)["before"] and "aktiv: nej" in latest(admin)["after"]


def test_units_added_renamed_moved_and_deactivated(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    admin = client_for("admin")
    assert admin.post("/admin/enheter", data={
        "code": "mottagning", "name": "Mottagningsenheten", "operation": "IFO",
    }).status_code == 302
    assert latest(admin) == {
        "who": "admin (webben)", "what": "Enhet tillagd", "subject": "mottagning",
        "before": "–", "after": "namn: Mottagningsenheten; verksamhet: IFO",
    }
    before = runtime.app.file_deviation(
        actor="rapportor", unit="mottagning", category="personal", subcategory=None,
        occurred_on=runtime.app.today(), description="Bemanningen räckte inte.",
    )
    assert admin.post("/admin/enheter/mottagning", data={
        "name": "Mottagningen", "operation": "HVB",
    }).status_code == 302
    rows = change_rows(admin)
    assert [r[2] for r in rows[:2]] == ["Enhet flyttad till annan verksamhet", "Enhet bytt namn"]
    assert rows[0][4:] == ["verksamhet: IFO", "verksamhet: HVB"]
    assert rows[1][4:] == ["namn: Mottagningsenheten", "namn: Mottagningen"]
    after = runtime.app.file_deviation(
        actor="rapportor", unit="mottagning", category="personal", subcategory=None,
        occurred_on=runtime.app.today(), description="Bemanningen räckte inte igen.",
    )
    # Only deviations filed after the move count under the new operation.
    assert runtime.app.get_deviation(before.id).operation is Operation.IFO
    assert runtime.app.get_deviation(after.id).operation is Operation.HVB
    admin.post("/admin/enheter/mottagning/aktiv", data={"active": "0"})
    assert not runtime.organisation.any_unit("mottagning").active
    assert latest(admin)["what"] == "Enhet inaktiverad"
    assert "Mottagningen" not in client_for("rapportor").get("/avvikelser/ny").get_data(
        as_text=True
    )


def test_taxonomy_changes_are_new_versions(
    client_for: Callable[[str], FlaskClient], runtime: Runtime
) -> None:
    admin = client_for("admin")
    version = runtime.organisation.taxonomy().version
    admin.post("/admin/kategorier", data={"category_code": "lokaler", "category_name": "Lokaler"})
    admin.post("/admin/underkategorier", data={
        "sub_category": "handlaggning", "sub_code": "journal", "sub_name": "Journalföring",
    })
    admin.post("/admin/kategorier/lokaler", data={"name": "Lokaler och miljö"})
    admin.post("/admin/kategorier/lokaler/aktiv", data={"active": "0"})
    taxonomy = runtime.organisation.taxonomy()
    assert taxonomy.version == version + 4
    assert taxonomy.categories["lokaler"].name == "Lokaler och miljö"
    assert not taxonomy.categories["lokaler"].active
    assert taxonomy.categories["handlaggning"].subcategories["journal"] == "Journalföring"
    rows = change_rows(admin)
    assert [(r[2], r[3], r[4], r[5]) for r in rows[:4]] == [
        ("Kvalitetsområde inaktiverat", "lokaler",
         f"namn: Lokaler och miljö; aktiv: ja; version: {version + 3}",
         f"namn: Lokaler och miljö; aktiv: nej; version: {version + 4}"),
        ("Kategori bytt namn", "lokaler",
         f"namn: Lokaler; aktiv: ja; version: {version + 2}",
         f"namn: Lokaler och miljö; aktiv: ja; version: {version + 3}"),
        ("Underkategori tillagd", "journal", "–",
         f"namn: Journalföring; kvalitetsområde: handlaggning; aktiv: ja; "
         f"version: {version + 2}"),
        ("Kvalitetsområde tillagt", "lokaler", "–",
         f"namn: Lokaler; aktiv: ja; version: {version + 1}"),
    ]


def test_a_subcategory_deactivated_is_no_longer_offered_and_history_keeps_it(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, api: Any,
) -> None:
    admin = client_for("admin")
    version = runtime.organisation.taxonomy().version
    filed = runtime.app.file_deviation(
        actor="rapportor", unit="utredning", category="handlaggning", subcategory="ekonomi",
        occurred_on=runtime.app.today(), description="Utbetalningen blev fel.",
    )
    page = client_for("rapportor").get("/avvikelser/ny").get_data(as_text=True)
    assert 'value="ekonomi"' in page
    assert admin.post("/admin/kategorier/ekonomi/aktiv", data={"active": "0"}).status_code == 302
    assert runtime.organisation.taxonomy().version == version + 1
    assert latest(admin) == {
        "who": "admin (webben)", "what": "Underkategori inaktiverad", "subject": "ekonomi",
        "before": f"namn: Ekonomi och utbetalning; kvalitetsområde: handlaggning; aktiv: ja; "
                  f"version: {version}",
        "after": f"namn: Ekonomi och utbetalning; kvalitetsområde: handlaggning; aktiv: nej; "
                 f"version: {version + 1}",
    }
    assert "Ekonomi och utbetalning (inaktiv)" in admin.get(
        "/admin/kategorier/ekonomi").get_data(as_text=True)
    # Not offered on the form nor taken by the API; the filed deviation keeps its code.
    page = client_for("rapportor").get("/avvikelser/ny").get_data(as_text=True)
    assert 'value="ekonomi"' not in page and 'value="sekretess"' in page
    refused = api("rapportor", "POST", "/api/v1/deviations", json={
        "unit": "utredning", "category": "handlaggning", "subcategory": "ekonomi",
        "occurred_on": runtime.app.today().isoformat(), "description": "Igen.",
    })
    assert refused.status_code == 422
    assert runtime.app.get_deviation(filed.id).subcategory == "ekonomi"
    # Back again, and the last active subcategory of a category cannot go.
    admin.post("/admin/kategorier/ekonomi/aktiv", data={"active": "1"})
    assert latest(admin)["what"] == "Underkategori aktiverad"
    assert 'value="ekonomi"' in client_for("rapportor").get("/avvikelser/ny").get_data(
        as_text=True)
    admin.post("/admin/underkategorier", data={
        "sub_category": "handlaggning", "sub_code": "x", "sub_name": "X"})
    for code in ("utredningstid", "forhandsbedomning", "ekonomi", "registrering", "sekretess",
                 "annat"):
        assert admin.post(f"/admin/kategorier/{code}/aktiv", data={"active": "0"}
                          ).status_code == 302
    count = change_log.changes(runtime.engine)[1]
    last = admin.post("/admin/kategorier/x/aktiv", data={"active": "0"})
    assert last.status_code == 422
    assert ("x är den sista aktiva underkategorin i handlaggning; inaktivera "
            "kvalitetsområdet i stället.") in html.unescape(last.get_data(as_text=True))
    assert change_log.changes(runtime.engine)[1] == count
    assert runtime.organisation.taxonomy().categories["handlaggning"].offered == {"x": "X"}


@pytest.mark.parametrize(
    ("path", "form", "errors"),
    [
        ("/admin/anvandare", {"username": "", "role": "kung", "units": ["finns-inte"],
                              "email": "inte-en-adress"},
         ["Användarnamn: Fyll i fältet.", "Roll: Välj en roll.",
          "Enheter: Okänd enhet: finns-inte", "E-postadress: Ogiltig e-postadress"]),
        ("/admin/anvandare", {"username": "chef", "role": "rapportor"},
         ["Användaren chef finns redan."]),
        ("/admin/anvandare", {"username": "ny", "role": "rapportor", "email": "fel@"},
         ["Ogiltig e-postadress: fel@"]),
        ("/admin/anvandare/chef", {"role": "rapportor", "email": "ingen adress"},
         ["Ogiltig e-postadress: ingen adress"]),
        ("/admin/enheter", {"code": "Med Mellanslag", "name": "", "operation": "XYZ"},
         ["Namn: Fyll i fältet.", "Verksamhet: Välj en verksamhet."]),
        ("/admin/enheter", {"code": "utredning", "name": "Dubblett", "operation": "IFO"},
         ["Det finns redan en enhet med koden utredning."]),
        ("/admin/enheter", {"code": "Med Mellanslag", "name": "X", "operation": "IFO"},
         ["Koder har 1–64 tecken"]),
        ("/admin/enheter/utredning", {"name": "", "operation": "IFO"},
         ["Namn: Fyll i fältet."]),
        ("/admin/kategorier", {"category_code": "personal", "category_name": "Dubblett"},
         ["Koden personal används redan."]),
        ("/admin/underkategorier", {"sub_category": "personal", "sub_code": "x",
                                    "sub_name": "X"},
         ["Kvalitetsområdet personal har inga underkategorier"]),
        ("/admin/kategorier/personal", {"name": "Personal och kompetens"},
         ["Nytt namn: Ange ett nytt namn."]),
    ],
)
def test_bad_input_is_listed_and_nothing_is_stored(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, path: str,
    form: dict[str, Any], errors: list[str],
) -> None:
    admin = client_for("admin")
    before = (runtime.accounts.all(), runtime.organisation.units(include_inactive=True),
              runtime.organisation.taxonomy().version, runtime.accounts.tokens())
    response = admin.post(path, data=form)
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert 'class="error-summary"' in page
    for error in errors:
        assert error in page
    after = (runtime.accounts.all(), runtime.organisation.units(include_inactive=True),
             runtime.organisation.taxonomy().version, runtime.accounts.tokens())
    assert after == before
    assert change_log.changes(runtime.engine)[1] == 0


def test_cli_changes_are_in_the_change_list(
    environ: dict[str, str], runtime: Runtime, client_for: Callable[[str], FlaskClient],
    users: dict[str, Account],
) -> None:
    runner = CliRunner()
    for args in (
        ["user", "add", "cli.person", "--role", "rapportor", "--unit", "utredning"],
        ["unit", "rename", "oppenvard", "Öppenvården"],
        ["taxonomy", "rename", "samverkan", "Samverkan externt"],
        ["token", "create", "cli.person", "--name", "skript"],
        ["token", "revoke", "cli.person"],
        ["taxonomy", "deactivate", "ekonomi"],
    ):
        result = runner.invoke(main, args, env=environ)
        assert result.exit_code == 0, result.output
    rows = change_rows(client_for("admin"))
    assert [(r[2], r[3]) for r in rows[:6]] == [
        ("Underkategori inaktiverad", "ekonomi"),
        ("API-nyckel återkallad", "cli.person"),
        ("API-nyckel skapad", "cli.person"),
        ("Kategori bytt namn", "samverkan"),
        ("Enhet bytt namn", "oppenvard"),
        ("Användare skapad", "cli.person"),
    ]
    assert all(r[1].endswith("(kommandoraden)") for r in rows[:6])
    assert rows[4][4:] == ["namn: Öppenvårdsenheten", "namn: Öppenvården"]


def test_change_list_filters_by_subject(
    client_for: Callable[[str], FlaskClient],
) -> None:
    admin = client_for("admin")
    admin.post("/admin/enheter/oppenvard", data={"name": "Öppenvården", "operation": "IFO"})
    admin.post("/admin/anvandare/chef", data={"role": "enhetschef", "email": "c@kommun.example",
                                               "units": ["utredning"]})
    assert [r[3] for r in change_rows(admin)] == ["chef", "oppenvard"]
    assert [r[3] for r in change_rows(admin, vad="oppenvard")] == ["oppenvard"]
    assert change_rows(admin, vem="ingen") == []
