"""Switching an acceptance page to English redraws its workflow diagram in English (issue 18 item 3): the
image's address names the language, so Chromium's image cache cannot hand back the Chinese drawing."""

import re

from tests.browser.conftest import Live
from tests.flow import COMMERCE, CONTRACTOR_A, Flow

HAN = re.compile(r"[\u3400-\u9fff]")


def test_the_diagram_follows_the_page_into_english_and_back(live: Live, flow: Flow) -> None:
    _, a, _ = flow.selected_project()
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    page = live.login(COMMERCE)
    diagram = page.locator("img[data-testid=workflow-diagram]")
    for lang, label in (("zh", "已申请"), ("en", "Applied"), ("zh", "已申请")):
        page.goto(f"/acceptances/{acceptance['id']}?lang={lang}")
        source = diagram.evaluate("img => img.complete && img.naturalWidth > 0 ? img.currentSrc : ''")
        assert source.endswith(f"/workflows/acceptance.svg?state=applied&lang={lang}"), source
        drawn = page.request.get(source).text()
        assert f">{label}<" in drawn
        assert bool(HAN.search(drawn)) == (lang == "zh")
