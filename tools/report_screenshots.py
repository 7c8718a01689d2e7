"""Screenshots of a labelaudit report as a desktop and a phone show its first screen.

``make demo`` runs this after the demo audit when Playwright and Chromium are installed
(``make test`` installs both; ``make demo`` alone installs neither, and then says the
screenshots were skipped). It writes ``screenshot-desktop.png`` (1400 x 900) and
``screenshot-phone.png`` (390 x 844) beside the report. The browser tests call
:func:`screenshots` too, so this script is exercised on every test run.

    python tools/report_screenshots.py reports/demo/report.html
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

VIEWPORTS = {"desktop": (1400, 900), "phone": (390, 844)}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]


def chromium() -> Path | None:
    """The system Chromium (Debian's ``chromium``), or None."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    return Path(found) if found else None


def screenshots(report: Path, out_dir: Path | None = None) -> list[Path]:
    """Write one PNG per viewport of ``report``'s first screen; returns their paths."""
    from playwright.sync_api import sync_playwright

    browser_path = chromium()
    if browser_path is None:
        raise RuntimeError("no chromium on PATH (apt-get install -y chromium)")
    out_dir = out_dir or report.parent
    paths = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(browser_path), args=CHROMIUM_ARGS)
        try:
            for name, (width, height) in VIEWPORTS.items():
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(report.resolve().as_uri(), wait_until="load")
                path = out_dir / f"screenshot-{name}.png"
                page.screenshot(path=str(path))
                page.close()
                paths.append(path)
        finally:
            browser.close()
    return paths


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python tools/report_screenshots.py REPORT.html")
    for written in screenshots(Path(sys.argv[1])):
        print(f"labelaudit: wrote {written}", file=sys.stderr)
