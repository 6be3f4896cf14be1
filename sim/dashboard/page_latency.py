"""Measure the page itself: ``python -m sim.dashboard.page_latency [runs] [moves]``.

Starts the dashboard (``solara run sim/app.py``) on a free localhost port with ``runs`` runs, opens it in Debian's
chromium through playwright (the browser test's setup; needs the viz extra and ``/usr/bin/chromium``), moves the
"USA→RUS sanctions ×" slider ``moves`` times and prints, per move, the time from the click to the new NCI figure
in the page, the update time the page reports (simulation and drawing, in its background thread) and the load
average. ``python -m sim.dashboard.latency`` times the same update without the server and the browser.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
POSITIONS = (0.02, 0.3, 0.6, 0.15, 0.45, 0.8, 0.05, 0.7, 0.25, 0.55)  # slider positions, fractions of its width
SETTLED = (
    "() => { const s = document.querySelector('.relations-status');"
    " return s && s.innerText.includes('updated in') && !s.innerText.includes('updating'); }"
)
CHANGED = "(old) => { const i = document.querySelector('.relations-nci img'); return i && i.src !== old; }"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(runs: int, port: int) -> subprocess.Popen:
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False", "RELATIONS_DASHBOARD_RUNS": str(runs)}
    cmd = [sys.executable, "-m", "solara", "run", "sim/app.py", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--production", "--no-open", "--no-check-version"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def measure(runs: int = 50, moves: int = 7) -> list[tuple[float, str]]:
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = _serve(runs, port)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"error: the dashboard did not start on {url}") from None
                time.sleep(0.3)
        rows = []
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1300})
                page.goto(url, timeout=60_000)
                page.wait_for_function(SETTLED, timeout=120_000)
                slider = page.locator(".v-input", has_text="USA→RUS sanctions").locator(".v-slider").first
                box = slider.bounding_box()
                for k in range(moves):
                    before = page.locator(".relations-nci img").first.get_attribute("src")
                    x = max(2.0, POSITIONS[k % len(POSITIONS)] * box["width"])
                    started = time.perf_counter()
                    slider.click(position={"x": x, "y": box["height"] / 2})
                    page.wait_for_function(CHANGED, arg=before, timeout=60_000)
                    shown = time.perf_counter() - started
                    page.wait_for_function(SETTLED, timeout=60_000)
                    rows.append((shown, page.inner_text(".relations-status")))
                    time.sleep(0.5)  # a pause, as a user looks at the result
            finally:
                browser.close()
        return rows
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str]) -> None:
    runs = int(argv[0]) if argv else 50
    moves = int(argv[1]) if len(argv) > 1 else 7
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"error: {CHROMIUM} not found (apt-get install -y chromium)")
    rows = measure(runs, moves)
    for shown, status in rows:
        print(f"click to new figure {shown:.2f} s; the page says: {status}")
    times = [shown for shown, _ in rows]
    print(
        f"{runs}-run update in the browser: median {statistics.median_high(times):.2f} s from click to figure, "
        f"{sum(t <= 1.0 for t in times)} of {len(times)} within 1 s; load average {os.getloadavg()[0]:.1f} "
        f"on {os.cpu_count()} cores (the server and chromium included)"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
