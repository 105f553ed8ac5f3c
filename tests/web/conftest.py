"""A real `burro serve` (SQLite store, shared Temporal dev server, fake model) and a
Debian chromium driven by Playwright, launched by path (no browser download)."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cloud.conftest import committed_repo, temporal_address  # noqa: F401  (fixtures)
from tests.cloud.harness import Serve, SessionScripts, write_config
from tests.fakes.script import Turn

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "web"
SIZES = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    # The phone also prefers a dark theme, so both themes are exercised and pictured.
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "is_mobile": True,
        "has_touch": True,
        "color_scheme": "dark",
    },
}
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    exe = chromium_path()
    if exe is None:
        if os.environ.get("CI"):
            pytest.fail(
                "chromium is missing; scripts/test.sh installs it (apt-get install chromium)"
            )
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def web_serve(
    tmp_path: Path,
    committed_repo: Path,  # noqa: F811
    temporal_address: str,  # noqa: F811
) -> Iterator[Callable[[Callable[[int], list[Turn]]], Serve]]:
    """``web_serve(script_for_session)`` -> a started `burro serve` with the fake model."""
    started: list[tuple[Serve, SessionScripts]] = []

    def make(make_script: Callable[[int], list[Turn]]) -> Serve:
        fake = SessionScripts(make_script)
        fake.start()
        home = tmp_path / "home"
        write_config(home, fake.base_url)
        serve = Serve(home, committed_repo, temporal_address)
        started.append((serve, fake))
        serve.start()
        return serve

    yield make
    for serve, fake in started:
        serve.stop()
        fake.stop()


def sign_in_token(serve: Serve) -> str:
    """The one-time token from the `web: URL` line `burro serve` printed."""
    found = re.findall(r"web: \S+\?token=(\S+)", (serve.home / "serve.log").read_text())
    assert found, f"no sign-in link in the serve log:\n{serve.log()}"
    return str(found[-1])


def sign_in(page: Any, base_url: str, token: str) -> None:
    page.goto(f"{base_url}/?token={token}")
    page.locator("#view-list").wait_for(state="visible")


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1], f"the page scrolls sideways: scrollWidth {width[0]} > {width[1]}"


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
