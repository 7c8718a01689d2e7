"""The report in real headless Chromium: loads nothing, runs nothing, injections stay text."""

from __future__ import annotations

import re
import struct

import pytest
from report_fixture import PSEUDONYMS, RAW_IDS, make_result
from report_page import open_report

from labelaudit.render.html import render_html

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PAYLOAD = (
    "<script>window.__pwned=1</script>"
    "<img src=x onerror=\"window.__pwned=2;alert('img')\">"
    '"><svg onload=window.__pwned=3>'
    "javascript:window.__pwned=4"
    '\'><a href="javascript:window.__pwned=5">click</a>'
    "</td></table></section><b>"
)
STRUCTURE = "main, section, table, tr, td, th, svg, figure, blockquote, .finding, h2, h3, li, a"


def _structure(page) -> dict[str, int]:
    return page.evaluate(
        """(sel) => Object.fromEntries(sel.split(', ').map(s => [s, document.querySelectorAll(s).length]))""",
        STRUCTURE,
    )


def _png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def test_report_renders_offline_without_errors(browser, served):
    page, log = open_report(browser, served, render_html(make_result()))
    shot = served / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = _png_size(shot)
    assert width == 1100 and height > 3000
    assert log.requests == [log.url]  # the file itself and nothing else
    assert log.blocked == []
    assert log.console_errors == [] and log.page_errors == []
    assert page.title() == "labelaudit report: toxicity-2026q3"
    assert page.locator("section").count() == 13  # with the Checks and Frameworks sections
    assert page.locator("svg[role=img]").count() == 8  # 4 charts, wide and for a phone
    # every chart shown (the wide layout here) is drawn with a non-zero size
    boxes = page.locator("svg.chart").evaluate_all(
        "els => els.filter(e => e.checkVisibility() && !e.closest('details:not([open])'))"
        ".map(e => e.getBoundingClientRect().width * e.getBoundingClientRect().height)"
    )
    assert len(boxes) == 3 and all(b > 10_000 for b in boxes)
    top = page.locator("#summary .finding").first.inner_text()
    assert "Group under-represented in the rater pool" in top
    page.close()


@pytest.mark.parametrize("keep_csp", [True, False])
def test_injected_markup_never_executes_or_escapes_its_context(browser, served, keep_csp):
    clean_page, _ = open_report(browser, served, render_html(make_result()), "clean.html")
    clean = _structure(clean_page)
    clean_page.close()

    html = render_html(make_result(payload=PAYLOAD))
    if not keep_csp:  # escaping alone must hold, without the CSP's second line of defence
        html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
        assert "Content-Security-Policy" not in html
    page, log = open_report(browser, served, html, "injected.html")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert log.dialogs == []
    assert log.requests == [log.url] and log.blocked == []  # <img src=x> never became an image
    assert log.console_errors == [] and log.page_errors == []
    assert _structure(page) == clean
    assert page.locator("script, img, iframe, object, embed").count() == 0
    assert page.locator('a[href^="javascript:"]').count() == 0
    assert page.locator("[onerror], [onload], [onclick]").count() == 0
    # the payload is shown as text where the user's strings go
    body = page.locator("body").inner_text()
    assert "Africa<script>window.__pwned=1</script>" in body
    assert "guidelines.md<script>" in body
    # clicking every link must not run anything either (folds opened, so each is visible)
    page.evaluate("document.querySelectorAll('details').forEach(d => { d.open = true; })")
    for i in range(page.locator("a").count()):
        page.locator("a").nth(i).click()
    assert page.evaluate("typeof window.__pwned") == "undefined"
    page.close()


def test_no_annotator_id_in_either_edition(browser, served):
    for audience in ("internal", "vendor"):
        page, log = open_report(
            browser, served, render_html(make_result(audience)), f"{audience}.html"
        )
        text = page.content() + page.locator("body").inner_text()
        assert not any(raw in text for raw in RAW_IDS)
        shown = [p for p in PSEUDONYMS if p in text]
        assert shown == (PSEUDONYMS if audience == "internal" else [])
        assert log.console_errors == []
        page.close()


def test_print_layout_hides_navigation_and_keeps_charts(browser, served):
    page, _ = open_report(browser, served, render_html(make_result()))
    assert not page.locator("#appendix table").first.is_visible()  # folded on screen
    page.emulate_media(media="print")
    assert page.locator("#appendix table").first.is_visible()  # unfolded on paper
    assert page.locator("#disagreement details.chart svg").first.is_visible()
    assert page.locator("nav.toc").evaluate("e => getComputedStyle(e).display") == "none"
    assert (
        page.locator("#disagreement h2").evaluate("e => getComputedStyle(e).breakBefore") == "page"
    )
    assert page.locator("svg.chart").first.is_visible()
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-" and len(pdf) > 10_000
    page.close()
