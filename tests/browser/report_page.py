"""Open a report in Chromium with every request, console message and dialog recorded."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class PageLog:
    url: str
    requests: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)


def open_report(
    browser: object,
    folder: Path,
    html: str,
    name: str = "report.html",
    viewport: tuple[int, int] = (1100, 900),
):
    """Write ``html`` to the served folder and open it; every other request is aborted."""
    folder.joinpath(name).write_text(html, encoding="utf-8")
    port = folder.joinpath(".port").read_text()
    log = PageLog(url=f"http://127.0.0.1:{port}/{name}")
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})

    def route(r):
        if r.request.url == log.url:
            r.continue_()
        else:
            log.blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("request", lambda req: log.requests.append(req.url))
    page.on("console", lambda m: log.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.page_errors.append(str(e)))

    def dialog(d):
        log.dialogs.append(d.message)
        d.dismiss()

    page.on("dialog", dialog)
    page.goto(log.url, wait_until="load")
    page.wait_for_timeout(300)  # let any (unexpected) deferred handler fire
    return page, log
