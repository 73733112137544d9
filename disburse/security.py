"""Security headers on every response (issue 10; SPEC §12; docs/security.md).

The Content-Security-Policy allows scripts, styles, images, fonts and connections from the app's own
origin only: no inline ``<script>``, no ``style=""`` attribute, no inline ``<style>`` but the workflow
diagram's (allowed by its hash), no ``eval``, no framing, no forms posting
elsewhere, no ``<base>``. Pages load their code from ``static/js/`` and read their data from
``data-*`` attributes or ``<script type="application/json">`` blocks (data, never executed).
``Strict-Transport-Security`` is sent outside the local demo and the tests, which run on plain HTTP.
``Cache-Control: no-store`` is on every response but the static files and the public disclosure, so
no browser or proxy keeps a page or an answer that belongs to a logged-in user (issue 14).
"""

import base64
import hashlib

from flask import Flask, Response, request

from disburse.web.diagram import SVG_STYLE


def style_hash(css: str) -> str:
    """A CSP hash source for one inline ``<style>`` element's exact text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii") + "'"


#: The workflow diagram embedded in the project page carries its own ``<style>`` (the same SVG is served
#: alone at ``/workflows/*.svg``): that one stylesheet is allowed by its hash, no other inline style is.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    f"style-src 'self' {style_hash(SVG_STYLE)}",
    "img-src 'self' data:",
    "object-src 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "base-uri 'none'",
))

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

#: One year, subdomains included: a county's site is served over HTTPS only once deployed.
HSTS = "max-age=31536000; includeSubDomains"
#: What no browser or proxy may keep: every response but the static files and the public pages, which
#: hold nothing about a user (issue 14: a shared computer's cache must not hold a finance desk).
NO_STORE = "no-store"


def _may_be_kept() -> bool:
    return request.endpoint == "static" or request.path.startswith(("/public", "/api/v1/public",
                                                                    "/workflows/"))


def init_app(app: Flask, *, hsts: bool) -> None:
    """Add the headers to every response (a view may set its own value for one of them)."""

    def add_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if hsts:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        if not _may_be_kept():
            response.headers["Cache-Control"] = NO_STORE
        return response

    app.after_request(add_headers)
