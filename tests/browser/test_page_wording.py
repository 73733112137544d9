"""Every page a role reaches speaks like the bureau (issue 18 item 3): no developer's reference (``SPEC``,
``seed 0…``, a ``§`` section) and no raw code — of a state, event, tag, role, audit action or rule set — in
what the page shows, in Chinese and in English.

Each of ``disburse demo``'s roles logs in and the test follows the same-origin links of its home one and two
levels deep (not logout, not downloads), and the public pages likewise without a login. Codes are matched
as whole words of the visible text (not in URLs or attributes); people's own data (``[data-data]``) is left
out. On English pages only codes that cannot be English words are looked for (``staged_acceptance``,
``auth.login``, ``national-2020``), since ``approve`` or ``closed`` may be plain English there.
"""

import re
from collections import Counter, deque
from typing import Any
from urllib.parse import urlsplit

import pytest

from disburse.adapters import rulesets
from disburse.domain import labels
from disburse.services import demo
from disburse.services.context import Origin
from disburse.services.workflows import load_all
from tests.browser.conftest import Live

#: One demo login per role.
ROLES = ("demo-commerce", "demo-supervisor", "demo-finance", "demo-leader", "demo-contractor", "demo-inspector",
         "demo-admin")
#: Links not followed: leaving, downloads, the API, the language switch.
SKIP = re.compile(r"/logout|/api/|\.(pdf|xlsx|zip|csv|json|txt)(\?|$)|/export|/download|/documents/\d+|[?&]lang=")
MAX_PAGES = 40
#: Pages of one shape (``/projects/<id>``) visited at most this often, so the crawl reaches every kind of page.
PER_SHAPE = 2
#: A standard's section (RFC 9162 §2.1.3, for the inspectors' proofs) is a citation, not a developer's file.
DEVELOPER = re.compile(r"SPEC|seed 0|(?<!RFC \d{4} )§")


def codes() -> set[str]:
    workflows = load_all()
    found = {name for w in workflows.values() for name in w.states}
    found |= {trigger for w in workflows.values() for trigger in w.transitions}
    found |= {f"{w.name}.{trigger}" for w in workflows.values() for trigger in w.transitions}
    found |= set(labels.ROLES) | set(labels.AUDIT_ACTIONS)
    for rule_set_id in rulesets.available():
        found.add(rule_set_id)
        found |= rulesets.load(rule_set_id).vocabulary()
    return found


CODES = codes()
CODE_LIKE = {c for c in CODES if re.search(r"[_.\-]", c)}


def pattern(words: set[str]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w.\-/])({alternatives})(?![\w\-/]|\.\w)")


ZH_CODES, EN_CODES = pattern(CODES), pattern(CODE_LIKE)

VISIBLE = """() => {
    const copy = document.body.cloneNode(true);
    copy.querySelectorAll('[data-data], script, style, input, textarea, pre.audit-data, code.hash')
        .forEach(x => x.remove());
    return copy.innerText;
}"""
LINKS = """() => Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"""


@pytest.fixture
def demo_live(live: Live) -> Live:
    assert demo.prepare(live.app.extensions["disburse.db"], Origin(client_addr="test")) is True
    return live


def login(live: Live, username: str) -> Any:
    page = live.page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", demo.PASSWORD)
    page.click("[data-testid=login]")
    page.wait_for_load_state("networkidle")
    assert "/login" not in page.url
    return page


def shape(path: str) -> str:
    return re.sub(r"\d+", "<id>", urlsplit(path).path)


def crawl(live: Live, page: Any, start: str) -> list[str]:
    """The same-origin pages reachable from ``start`` in at most two clicks."""
    seen, queue, order, shapes = {start}, deque([(start, 0)]), [], Counter[str]()
    while queue and len(order) < MAX_PAGES:
        path, depth = queue.popleft()
        response = page.goto(path)
        if response is None or not response.ok or "text/html" not in response.headers.get("content-type", ""):
            continue
        order.append(path)
        if depth == 2:
            continue
        for href in page.evaluate(LINKS):
            parts = urlsplit(href)
            if f"{parts.scheme}://{parts.netloc}" != live.base:
                continue
            target = parts.path + (f"?{parts.query}" if parts.query else "")
            if target not in seen and not SKIP.search(target) and shapes[shape(target)] < PER_SHAPE:
                seen.add(target)
                shapes[shape(target)] += 1
                queue.append((target, depth + 1))
    return order


def findings(page: Any, path: str, lang: str) -> list[str]:
    joiner = "&" if "?" in path else "?"
    page.goto(f"{path}{joiner}lang={lang}")
    text = page.evaluate(VISIBLE)
    found = [f"{lang} {path}: developer reference {m.group(0)!r}" for m in DEVELOPER.finditer(text)]
    codes_of = ZH_CODES if lang == "zh" else EN_CODES
    for match in codes_of.finditer(text):
        line = next((ln for ln in text.splitlines() if match.group(1) in ln), "")
        found.append(f"{lang} {path}: raw code {match.group(1)!r} in {line.strip()[:120]!r}")
    return found


def scan(live: Live, page: Any, start: str) -> list[str]:
    problems: list[str] = []
    pages = crawl(live, page, start)
    assert len({shape(p) for p in pages}) >= 5, pages  # the crawl reached the role's pages, not a login form
    for path in pages:
        for lang in ("zh", "en"):
            problems += findings(page, path, lang)
    page.goto("/?lang=zh")
    return problems


@pytest.mark.parametrize("username", ROLES)
def test_no_page_a_role_reaches_shows_a_developer_reference_or_a_raw_code(demo_live: Live, username: str) -> None:
    page = login(demo_live, username)
    home = urlsplit(page.url).path
    problems = scan(demo_live, page, home)
    assert problems == [], "\n".join(dict.fromkeys(problems))


def test_no_public_page_shows_a_developer_reference_or_a_raw_code(demo_live: Live) -> None:
    page = demo_live.page()
    problems = scan(demo_live, page, "/public")
    assert problems == [], "\n".join(dict.fromkeys(problems))
