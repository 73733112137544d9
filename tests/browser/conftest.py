"""Browser tests: Playwright driving Debian's Chromium (``/usr/bin/chromium``) against a live server.

The app runs in a thread of the test process (werkzeug, threaded) on the test's
SQLite database, so a test can set up data with :class:`tests.flow.Flow` through
the API and then click through the same app in the browser. Without Chromium the
tests skip and say why; with ``DISBURSE_REQUIRE_BROWSER=1`` (CI) they fail
instead. Screenshots go to ``tests/artifacts/`` (``DISBURSE_ARTIFACTS`` to move it),
which git ignores.
"""

import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.helpers import PASSWORD

CHROMIUM = os.environ.get("DISBURSE_CHROMIUM", "/usr/bin/chromium")
REQUIRE = os.environ.get("DISBURSE_REQUIRE_BROWSER") == "1"
ARTIFACTS = Path(os.environ.get("DISBURSE_ARTIFACTS") or Path(__file__).resolve().parents[1] / "artifacts")
#: Han characters: what must not be left in the English chrome of a page.
HAN = re.compile(r"[\u3400-\u9fff]")


@pytest.fixture
def backend() -> str:
    """The browser tests run on SQLite (the API and services are tested on both databases)."""
    return "sqlite"


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
        if REQUIRE:
            pytest.fail(f"DISBURSE_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


class Live:
    """The app served on a free port, with helpers to log in and look."""

    def __init__(self, app: Any, browser: Any) -> None:
        self.app = app
        self.browser = browser
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.contexts: list[Any] = []
        #: what every confirmation dialog asked, in order (the pages' data-confirm, confirm.js)
        self.dialogs: list[str] = []

    def page(self, *, width: int = 1366, height: int = 768) -> Any:
        """A fresh browser (its own cookies) at 1366×768, or a phone's width when asked. A confirmation
        (irreversible steps ask first) is recorded in :attr:`dialogs` and accepted, as an official who
        meant to click would, unless the test listens for the dialog itself."""
        context = self.browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                           base_url=self.base)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()

        def agree(dialog: Any) -> None:
            self.dialogs.append(dialog.message)
            if len(page._impl_obj.listeners("dialog")) == 1:  # no listener of the test's own
                dialog.accept()

        page.on("dialog", agree)
        return page

    def login(self, username: str, page: Any | None = None) -> Any:
        page = page or self.page()
        page.goto("/login")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("[data-testid=login]")
        page.wait_for_load_state("networkidle")
        assert "/login" not in page.url, page.content()[:2000]
        return page

    def shot(self, page: Any, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for context in self.contexts:
            context.close()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def live(app: Any, browser: Any) -> Iterator[Live]:
    server = Live(app, browser)
    yield server
    server.close()



def chrome_text(page: Any) -> str:
    """The text of the page's chrome and labels: header, headings, buttons, labels, table heads, notes.

    Data (project names, plan lines, people's notes) stays in the language it was
    written in; what the app itself says must follow the chosen language.
    """
    return str(page.evaluate("""() => {
        const picked = document.querySelectorAll(
            'header, footer, h1, h2, h3, th, label, button, legend, nav, .muted, .flash, [data-chrome]');
        return Array.from(picked).map(e => {
            const copy = e.cloneNode(true);
            copy.querySelectorAll('[data-data], [lang=zh-CN], .who, input, textarea, select, option')
                .forEach(x => x.remove());
            return copy.innerText;
        }).join('\\n');
    }"""))
