"""Helpers the browser tests import: axe-core checks and logging in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page
from support import PASSWORD

from tracker.config import Settings
from tracker.runtime import Runtime

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class LiveServer:
    url: str
    runtime: Runtime
    settings: Settings

    def __call__(self, path: str = "/") -> str:
        return self.url + path


_AXE = Axe()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """WCAG 2.1 A and AA violations on the page as it is now (axe-core bundled, offline)."""
    results = _AXE.run(
        page,
        options={"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]},
    )
    return list(results.response["violations"])


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    details = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']} -> "
        + ", ".join(str(node["target"]) for node in v["nodes"][:5])
        for v in violations
    )
    assert not violations, f"axe: WCAG 2.1 A/AA violations on {page.url}:\n{details}"


def log_in(page: Page, base_url: str, username: str) -> None:
    page.goto(base_url + "/login")
    page.get_by_label("Användarnamn").fill(username)
    page.get_by_label("Lösenord").fill(PASSWORD)
    page.get_by_role("button", name="Logga in").click()
    page.wait_for_load_state()
