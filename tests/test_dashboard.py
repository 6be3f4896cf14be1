"""The dashboard in a real browser: Debian's chromium driven by playwright against a live solara server.

Skips (with the reason) when chromium, playwright or the viz extra is missing; fails instead under CI=true.
Every request the page makes must stay on localhost: the dashboard works offline.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# where the screenshot goes: the test's own folder, unless DASHBOARD_SCREENSHOT names a file (the README's picture is
# refreshed with DASHBOARD_SCREENSHOT=docs/figures/dashboard.png): a test run never rewrites a tracked file
SCREENSHOT_ENV = "DASHBOARD_SCREENSHOT"
LOCAL = {"127.0.0.1", "localhost"}
RUNS = 20  # the page's run count for the test (50 by default): the test checks behaviour, not speed


def _missing() -> str | None:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return "no /usr/bin/chromium (apt-get install -y chromium)"
    for module in ("playwright", "solara", "mesa.visualization"):
        try:
            __import__(module)
        except ImportError as err:
            return f"{module} not importable ({err}); pip install -e '.[viz]'"
    return None


def _skip_or_fail(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"the browser test cannot run in CI: {reason}")
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# a real server and a real browser (like the scripts run as subprocesses): CI's make test-slow runs it
pytestmark = pytest.mark.slow


def _wait_http(url: str, proc: subprocess.Popen, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"solara exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"solara did not answer on {url} within {timeout} s")


@pytest.fixture
def server():
    reason = _missing()
    if reason:
        _skip_or_fail(reason)
    port = _free_port()
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "RELATIONS_DASHBOARD_RUNS": str(RUNS)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "solara",
            "run",
            "sim/app.py",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--production",
            "--no-open",
            "--no-check-version",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/", proc, timeout=120)  # bounds for a busy CI machine
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _nci_image(page) -> str:
    page.wait_for_selector(".relations-nci img", timeout=30_000)
    return page.locator(".relations-nci img").first.get_attribute("src")


def _settled(page, timeout_ms: int = 60_000) -> str:
    """Wait until the status line reports a finished update; return it."""
    page.wait_for_function(
        "() => { const s = document.querySelector('.relations-status');"
        " return s && s.innerText.includes('updated in') && !s.innerText.includes('updating'); }",
        timeout=timeout_ms,
    )
    return page.inner_text(".relations-status")


def test_dashboard_slider_changes_plot_and_command(server, tmp_path):
    from playwright.sync_api import sync_playwright

    outside: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            page.on(
                "request",
                lambda r: (
                    outside.append(r.url)
                    if urlparse(r.url).hostname not in LOCAL and not r.url.startswith(("data:", "blob:"))
                    else None
                ),
            )
            page.goto(server, timeout=60_000)
            first = _settled(page, 120_000)
            assert f"{RUNS} runs" in first
            before = _nci_image(page)
            command = page.inner_text(".relations-command")
            assert command.strip() == (
                f"python experiments/run.py scenario=replay_2012_2017 replicates={RUNS} seed=20161215"
            )

            slider = page.locator(".v-input", has_text="USA→RUS sanctions").locator(".v-slider").first
            box = slider.bounding_box()
            slider.click(position={"x": 2, "y": box["height"] / 2})  # the left end: scale 0
            page.wait_for_function(
                "() => document.querySelector('.relations-command').innerText.includes('scenario.sanctions.USA.RUS')",
                timeout=10_000,
            )
            command = page.inner_text(".relations-command")
            assert "scenario.sanctions.USA.RUS.scale=0 " in command + " "
            _settled(page)
            page.wait_for_function(
                "(old) => { const i = document.querySelector('.relations-nci img'); return i && i.src !== old; }",
                arg=before,
                timeout=30_000,
            )
            assert _nci_image(page) != before
            screenshot = Path(os.environ.get(SCREENSHOT_ENV) or tmp_path / "dashboard.png")
            screenshot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(screenshot))
            assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        finally:
            browser.close()
    assert outside == [], f"the page loaded from outside localhost: {outside[:5]}"
