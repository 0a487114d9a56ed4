"""A real OpenID Connect provider for the tests: the npm package oidc-provider run by node
(provider.mjs beside this file) on 127.0.0.1, and a driver that signs in at it the way a
browser would (its login and consent forms), for tests that need no real browser.

The package is installed once into a cache folder (TRACKER_TEST_NPM_CACHE, default
~/.cache/avvikelse-tracker); .ci/run fills it before the tests, so nothing is downloaded
while they run. Only when the cache is missing does `installed()` run npm install."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

VERSION = "9.13.3"  # pinned; .ci/run installs the same (warns on Node 20, works)
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_ID = "tracker"
CLIENT_SECRET = "tracker-test-secret"  # the test provider's own client


def cache_folder() -> Path:
    base = os.environ.get("TRACKER_TEST_NPM_CACHE") or Path.home() / ".cache" / "avvikelse-tracker"
    return Path(base) / f"oidc-provider-{VERSION}"


def installed() -> Path:
    """The package's entry module, installing it into the cache the first time."""
    folder = cache_folder()
    entry = folder / "node_modules" / "oidc-provider" / "lib" / "index.js"
    if not entry.exists():
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError("npm is needed for the OpenID Connect tests (apt-get install npm)")
        subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", "--silent",
             f"oidc-provider@{VERSION}"],
            check=True, timeout=600,
        )
    return entry


@dataclass
class Provider:
    issuer: str
    process: subprocess.Popen[str]

    def mode(self, mode: str) -> None:
        """How the token endpoint breaks the next ID tokens (see provider.mjs)."""
        answer = requests.post(f"{self.issuer}/_test/mode", json={"mode": mode}, timeout=10)
        answer.raise_for_status()

    @property
    def environ(self) -> dict[str, str]:
        """The tracker's settings for this provider."""
        return {
            "TRACKER_OIDC_ISSUER": self.issuer,
            "TRACKER_OIDC_CLIENT_ID": CLIENT_ID,
            "TRACKER_OIDC_CLIENT_SECRET": CLIENT_SECRET,
        }


@contextmanager
def running_provider() -> Iterator[Provider]:
    node = shutil.which("node")
    if node is None:
        # A sign-in test that cannot run is a failure, not a skip: CI must never pass without it.
        raise RuntimeError(
            "node is needed for the sign-in tests (apt-get install nodejs npm; .ci/run does)"
        )
    entry = installed()
    process = subprocess.Popen(
        [node, str(SCRIPT)],
        env=os.environ | {"OIDC_PROVIDER_MODULE": str(entry), "OIDC_CLIENT_ID": CLIENT_ID,
                          "OIDC_CLIENT_SECRET": CLIENT_SECRET},
        stdout=subprocess.PIPE, text=True,
        # Its warnings and errors, for when a test fails (TRACKER_TEST_PROVIDER_LOG=path).
        stderr=open(os.environ.get("TRACKER_TEST_PROVIDER_LOG", os.devnull), "a"),  # noqa: SIM115
    )
    first: list[str] = []
    reader = threading.Thread(target=lambda: first.append(process.stdout.readline()),  # type: ignore[union-attr]
                              daemon=True)
    reader.start()
    reader.join(timeout=60)
    try:
        if not first or not first[0].strip():
            raise RuntimeError("the OpenID Connect test provider did not start")
        yield Provider(json.loads(first[0])["issuer"], process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- signing in without a browser ----------------------------------------------------------


def _form(html: str) -> tuple[str, dict[str, str]]:
    """The provider page's (first) form: its action and its inputs' values."""
    match = re.search(r'<form[^>]*action="([^"]+)"[^>]*>(.*?)</form>', html, re.S)
    assert match, html[:2000]
    inputs = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', match.group(2)))
    return unescape(match.group(1)), {k: unescape(v) for k, v in inputs.items()}


def sign_in_at_provider(authorize_url: str, login: str, tracker_host: str) -> str:
    """Follow the provider's pages from the authorization request (login form, then
    consent) to the redirect back to the tracker; returns that callback URL (with code,
    state and iss). The provider's cookies live in the session, as in a browser."""
    browser = requests.Session()
    url = authorize_url
    for _ in range(20):
        response = browser.get(url, allow_redirects=False, timeout=10)
        while response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if urlsplit(url).netloc == tracker_host:
                return url
            response = browser.get(url, allow_redirects=False, timeout=10)
        action, fields = _form(response.text)
        if 'name="login"' in response.text:
            fields |= {"login": login, "password": "vilket-som-helst"}
        response = browser.post(urljoin(url, action), data=fields, allow_redirects=False,
                                timeout=10)
        assert response.is_redirect, response.text[:2000]
        url = urljoin(url, response.headers["Location"])
        if urlsplit(url).netloc == tracker_host:
            return url
    raise AssertionError("the provider never sent the browser back to the tracker")


def query(url: str) -> dict[str, Any]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
