"""Security headers on every response, and templates a strict Content-Security-Policy can serve
(issue 10; SPEC §12; docs/security.md). The browser tests prove the pages work under the policy
(tests/browser/test_content_security_policy.py).
"""

import re
from pathlib import Path
from typing import Any

import pytest

from disburse.app import create_app
from disburse.security import CONTENT_SECURITY_POLICY, HSTS

TEMPLATES = Path(__file__).resolve().parents[2] / "disburse" / "web" / "templates"

EXPECTED_DIRECTIVES = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
}


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def assert_secure_headers(resp: Any) -> None:
    assert resp.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, resp.request.path
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "same-origin"


def test_the_policy_allows_only_the_apps_own_scripts_and_styles() -> None:
    policy = directives(CONTENT_SECURITY_POLICY)
    assert {k: v for k, v in policy.items() if k != "style-src"} == EXPECTED_DIRECTIVES
    style = policy["style-src"]
    assert style[0] == "'self'" and "'unsafe-inline'" not in style
    assert all(re.fullmatch(r"'sha256-[A-Za-z0-9+/]+=*'", source) for source in style[1:])  # the diagram's only
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY and "'unsafe-inline'" not in CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", [
    "/login",                             # a page
    "/public/",                           # a public page, no login
    "/api/v1/openapi.json",               # JSON
    "/api/v1/me",                         # a 401 problem
    "/api/v1/projects/999999",            # another problem
    "/static/app.css",                    # a static file
    "/static/js/charts.js",               # the pages' scripts
    "/no-such-page",                      # a 404 page
])
def test_every_response_carries_the_security_headers(client: Any, path: str) -> None:
    with client.get(path) as resp:
        assert resp.status_code < 500
        assert_secure_headers(resp)
        assert "Strict-Transport-Security" not in resp.headers  # tests run on plain HTTP


def test_a_refused_body_carries_them_too(client: Any, app: Any) -> None:
    resp = client.post("/api/v1/auth/tokens", data=b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1),
                       content_type="application/json")
    assert resp.status_code == 413
    assert_secure_headers(resp)


def test_hsts_is_sent_outside_the_demo_and_the_tests(database_url: str, tmp_path: Path) -> None:
    deployed = create_app({"database_url": database_url, "secret_key": "s" * 32, "instance_path": tmp_path / "a"})
    demo = create_app({"database_url": database_url, "demo": True, "instance_path": tmp_path / "b"})
    try:
        assert deployed.test_client().get("/login").headers["Strict-Transport-Security"] == HSTS
        assert "Strict-Transport-Security" not in demo.test_client().get("/login").headers
    finally:
        deployed.extensions["disburse.db"].dispose()
        demo.extensions["disburse.db"].dispose()


# --- templates a strict policy can serve ---------------------------------------------------------

SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
STYLE_ATTR = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.DOTALL)
HANDLER_ATTR = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.DOTALL)
STYLE_TAG = re.compile(r"<style\b", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.IGNORECASE)


def templates() -> list[Path]:
    """The templates served as pages; ``pdf/`` ones are printed to PDF on the server, never served as HTML."""
    return sorted(path for path in TEMPLATES.rglob("*.html") if path.relative_to(TEMPLATES).parts[0] != "pdf")


def test_no_template_has_an_inline_script_a_handler_or_an_inline_style() -> None:
    found = []
    for path in templates():
        text = path.read_text(encoding="utf-8")
        name = path.relative_to(TEMPLATES)
        for attrs in SCRIPT_TAG.findall(text):
            if "src=" not in attrs and 'type="application/json"' not in attrs:
                found.append(f"{name}: inline <script{attrs}>")
        for pattern, what in ((STYLE_ATTR, "style attribute"), (HANDLER_ATTR, "event handler attribute"),
                              (STYLE_TAG, "<style> element"), (JAVASCRIPT_URL, "javascript: URL")):
            if pattern.search(text):
                found.append(f"{name}: {what}")
    assert templates() and not found, "\n".join(found)
