"""Every /admin route for every role: the admin gets the page, everybody else 403 (the
import pages also let the verksamhetsutvecklare in), and nobody logged in is sent to the
login page. A refused POST changes nothing. The lists below are checked against the app's
URL map, so a new /admin route without a row here fails the suite."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from support import ROLES

from tracker.admin import change_log
from tracker.people.accounts import Account
from tracker.runtime import Runtime

PAGES = [
    "/admin/",
    "/admin/anvandare",
    "/admin/anvandare/chef",
    "/admin/nycklar",
    "/admin/enheter",
    "/admin/enheter/utredning",
    "/admin/kategorier",
    "/admin/kategorier/handlaggning",
    "/admin/kategorier/sekretess",
    "/admin/installningar",
    "/admin/andringar",
    "/admin/logg",
    "/admin/logg.csv",
    "/admin/logg.xlsx",
    "/admin/utskick/",
    "/admin/import/",
    "/admin/import/koder.csv",
    "/admin/import/koder.xlsx",
    "/admin/import/mall/counts.xlsx",
    "/admin/gallring/",
    "/admin/gallring/regler/deviation",
    "/admin/gallring/plan.csv",
    "/admin/gallring/plan.xlsx",
]
# A page about one thing, asked for an id that does not exist: 404 to whom it is for.
PAGES_OF_ONE = ["/admin/import/00000000-0000-0000-0000-000000000000/angra"]
# (path, form) for every change; each would change something if it were allowed.
CHANGES = [
    ("/admin/anvandare", {"username": "ny.person", "role": "rapportor"}),
    ("/admin/anvandare/chef", {"role": "admin", "units": ["utredning"]}),
    ("/admin/anvandare/chef/aktiv", {"active": "0"}),
    ("/admin/anvandare/chef/losenord", {}),
    ("/admin/anvandare/chef/losenord/bort", {}),
    ("/admin/nycklar/1/aterkalla", {}),
    ("/admin/enheter", {"code": "ny", "name": "Ny enhet", "operation": "IFO"}),
    ("/admin/enheter/utredning", {"name": "Annat namn", "operation": "HVB"}),
    ("/admin/enheter/utredning/aktiv", {"active": "0"}),
    ("/admin/kategorier", {"category_code": "ny", "category_name": "Nytt"}),
    ("/admin/underkategorier", {"sub_category": "handlaggning", "sub_code": "n",
                                "sub_name": "N"}),
    ("/admin/kategorier/personal", {"name": "Annat namn"}),
    ("/admin/kategorier/personal/aktiv", {"active": "0"}),
    ("/admin/utskick/1/skicka-igen", {}),
    ("/admin/gallring/regler/deviation", {"keep": "keep"}),
    ("/admin/gallring/sparr", {"number": "AV-2026-0001", "reason": "JO-ärende"}),
    ("/admin/gallring/sparr/00000000-0000-0000-0000-000000000000/1/hav", {}),
]
# Changes another role may also make (the imports: their own tests cover what they store).
IMPORTS = [
    ("/admin/import/forhandsgranska", {"kind": "counts"}),
    ("/admin/import/spara", {"kind": "counts"}),
    ("/admin/import/00000000-0000-0000-0000-000000000000/angra", {}),
]
# Who besides the admin may open a page under this prefix.
ALSO = {"/admin/import/": {"utvecklare"}}


def allowed(role: str, path: str) -> bool:
    return role == "admin" or any(
        path.startswith(prefix) and role in roles for prefix, roles in ALSO.items()
    )


def test_the_lists_name_every_admin_route(web_app: Flask) -> None:
    adapter = web_app.url_map.bind("localhost")
    covered = {(adapter.match(path, "GET")[0], "GET") for path in PAGES + PAGES_OF_ONE} | {
        (adapter.match(path, "POST")[0], "POST") for path, _ in CHANGES + IMPORTS
    }
    routes = {
        (rule.endpoint, method)
        for rule in web_app.url_map.iter_rules() if rule.rule.startswith("/admin")
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}
    }
    assert routes - covered == set()


@pytest.fixture
def store() -> str:
    return "sqlite"  # authorisation is the same on both stores; the changes run on both


@pytest.mark.parametrize("role", ROLES)
def test_admin_pages_are_for_the_admin_only(
    client_for: Callable[[str], FlaskClient], role: str
) -> None:
    client = client_for(role)
    for path in PAGES:
        status = client.get(path).status_code
        assert status == (200 if allowed(role, path) else 403), (role, path, status)
    for path in PAGES_OF_ONE:
        status = client.get(path).status_code
        assert status == (404 if allowed(role, path) else 403), (role, path, status)


def test_admin_pages_send_the_anonymous_to_the_login_page(
    web_app: Flask, users: dict[str, Account]
) -> None:
    client = web_app.test_client()
    for path in PAGES + PAGES_OF_ONE:
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location, path
    for path, form in CHANGES + IMPORTS:
        response = client.post(path, data=form)
        assert response.status_code == 302 and "/login" in response.location, path


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_no_other_role_can_make_an_admin_change(
    client_for: Callable[[str], FlaskClient], runtime: Runtime, role: str
) -> None:
    runtime.accounts.create_token("chef", "befintlig")
    before_users = runtime.accounts.all()
    before_units = runtime.organisation.units(include_inactive=True)
    before_taxonomy = runtime.organisation.taxonomy().version
    before_rules = runtime.organisation.retention_rules()
    client = client_for(role)
    for path, form in CHANGES + [c for c in IMPORTS if not allowed(role, c[0])]:
        assert client.post(path, data=form).status_code == 403, (role, path)
    assert runtime.accounts.all() == before_users
    assert runtime.organisation.units(include_inactive=True) == before_units
    assert runtime.organisation.taxonomy().version == before_taxonomy
    assert runtime.organisation.retention_rules() == before_rules
    assert runtime.accounts.tokens("chef")[0].active
    assert change_log.changes(runtime.engine)[1] == 0


def test_admin_pages_link_every_area_from_the_menu(
    client_for: Callable[[str], FlaskClient],
) -> None:
    admin = client_for("admin").get("/").get_data(as_text=True)
    assert 'href="/admin/"' in admin
    assert 'href="/admin/"' not in client_for("utvecklare").get("/").get_data(as_text=True)
    index = client_for("admin").get("/admin/").get_data(as_text=True)
    for path in ("/admin/anvandare", "/admin/enheter", "/admin/kategorier",
                 "/admin/installningar", "/admin/andringar", "/admin/nycklar",
                 "/admin/gallring/"):
        assert f'href="{path}"' in index


def test_unknown_user_unit_or_code_answers_404(
    client_for: Callable[[str], FlaskClient],
) -> None:
    client = client_for("admin")
    for path in ("/admin/anvandare/ingen", "/admin/enheter/ingen", "/admin/kategorier/ingen"):
        assert client.get(path).status_code == 404
    assert client.post("/admin/nycklar/999/aterkalla").status_code == 404


def test_every_admin_change_needs_the_forms_csrf_token(
    runtime: Runtime, users: dict[str, Account]
) -> None:
    """The test clients elsewhere switch CSRF off; here it is on, as in production."""
    from support import PASSWORD, make_app

    client = make_app(runtime, csrf=True).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/login", data={"username": "admin", "password": PASSWORD,
                                       "csrf_token": token}).status_code == 302
    runtime.accounts.create_token("chef", "befintlig")
    before = (runtime.accounts.all(), runtime.organisation.units(include_inactive=True),
              runtime.organisation.taxonomy().version, runtime.accounts.tokens())
    for path, form in [*CHANGES, *IMPORTS, ("/installningar/nycklar", {"name": "x"})]:
        response = client.post(path, data=form)
        assert response.status_code == 400, path
        assert "säkerhetskod" in response.get_data(as_text=True), path
    assert (runtime.accounts.all(), runtime.organisation.units(include_inactive=True),
            runtime.organisation.taxonomy().version, runtime.accounts.tokens()) == before
    assert change_log.changes(runtime.engine)[1] == 0
