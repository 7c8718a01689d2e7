"""The demo report as shipped, in real Chromium: short, navigable, readable on a phone.

One real ``labelaudit demo`` run (the CLI, default settings) is opened at a desktop
width (1400 x 900) and a phone width (390 x 844).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from report_page import open_report

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
DESKTOP, PHONE = (1400, 900), (390, 844)
MAX_SCREENS = 15


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    proc = subprocess.run(
        [sys.executable, "-m", "labelaudit", "demo", "--out", str(out), "--quiet"],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def _open(browser, served, demo, viewport):
    html = (demo / "report.html").read_text(encoding="utf-8")
    page, log = open_report(browser, served, html, viewport=viewport)
    assert log.blocked == [] and log.console_errors == [] and log.page_errors == []
    return page


def _findings(demo: Path) -> list[dict]:
    return json.loads((demo / "findings.json").read_text(encoding="utf-8"))["findings"]


def test_at_a_phone_width_nothing_scrolls_sideways_and_chart_text_is_readable(
    browser, served, demo
):
    page = _open(browser, served, demo, PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE[0]
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart')].filter(s => s.checkVisibility())
          .flatMap(s => {
            const scale = s.getBoundingClientRect().width / s.viewBox.baseVal.width;
            return [...s.querySelectorAll('text')].map(
              t => parseFloat(getComputedStyle(t).fontSize) * scale);
          })"""
    )
    assert len(sizes) > 50  # the open charts are drawn, in their phone layout
    sizes.sort()
    assert sizes[len(sizes) // 2] >= 8
    assert page.locator("svg.chart-narrow").first.is_visible()
    assert not page.locator("svg.chart-wide").first.is_visible()
    # a wide table scrolls inside its own box
    box = page.locator("#checks .scroll").first
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    assert box.evaluate("e => getComputedStyle(e).overflowX") == "auto"
    page.close()


def test_on_a_desktop_the_report_is_at_most_15_screens_with_contents_in_view(browser, served, demo):
    page = _open(browser, served, demo, DESKTOP)
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height <= MAX_SCREENS * DESKTOP[1], f"{height} px: {height / DESKTOP[1]:.1f} screens"
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight / 2)")
    nav = page.locator("nav.toc").evaluate("e => e.getBoundingClientRect().top")
    assert nav == 0  # the contents bar stays on screen
    page.close()


def test_every_high_finding_is_in_the_top_block_or_counted(browser, served, demo):
    page = _open(browser, served, demo, DESKTOP)
    high = [f["fingerprint"] for f in _findings(demo) if f["severity"] == "high"]
    linked = page.locator("#summary .finding.brief a").evaluate_all(
        "els => els.map(a => a.getAttribute('href'))"
    )
    missing = [fp for fp in high if f"#finding-{fp}" not in linked]
    if missing:
        assert f"{len(missing)} more high" in page.locator("#summary").inner_text()
    else:
        assert len(high) == page.locator("#summary .finding.brief.sev-high").count()
    page.close()


def test_every_finding_is_reachable_by_its_anchor(browser, served, demo):
    page = _open(browser, served, demo, DESKTOP)
    nav_bottom = page.locator("nav.toc").evaluate("e => e.getBoundingClientRect().height")
    for f in _findings(demo):
        where = page.evaluate(
            """(id) => { location.hash = id; const e = document.getElementById(id);
                return e && {visible: e.checkVisibility(), top: e.getBoundingClientRect().top}; }""",
            f"finding-{f['fingerprint']}",
        )
        assert where, f["fingerprint"]
        assert where["visible"], (f["rule"], f["subject"])  # a folded one opens
        assert nav_bottom - 1 <= where["top"] < DESKTOP[1], (f["rule"], where)
    page.close()


def test_the_demo_screenshots_are_a_desktop_and_a_phone_screen(demo):
    """What ``make demo`` runs after the audit (in its own process, like make)."""
    proc = subprocess.run(
        [sys.executable, str(REPO / "tools/report_screenshots.py"), str(demo / "report.html")],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    sizes = {}
    for name in ("screenshot-desktop.png", "screenshot-phone.png"):
        data = (demo / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        sizes[name] = struct.unpack(">II", data[16:24])
    assert sizes == {"screenshot-desktop.png": DESKTOP, "screenshot-phone.png": PHONE}
