"""Every request's input is checked once, before any view sees it (issue 14: "no input crashes the server").

One ``before_request`` hook, for the API and the pages alike, refuses what would otherwise fail deep
inside a request as a 500:

* a JSON body nested deeper than :data:`~disburse.domain.text.MAX_DEPTH` levels (50 000 ``[`` made the
  parser overflow its stack): **400**, nothing read further;
* text that cannot be stored — a NUL character or a lone surrogate — in any JSON string or key, form
  field, query parameter, path value, uploaded file name or the ``Idempotency-Key`` header: **422**
  with the field named (``errors``: path → message), as a problem+json for the API and as the page's
  own refusal for a page.

Nothing is written for a refused request. Two kinds of view take their input as sent, marked with
:func:`checks_own_text`: the logins and the public objection forms, whose services count every
attempt against the client's limits *before* they check the fields, so a refused one is counted as a
failed login or a refused objection (:func:`disburse.services.users.authenticate`,
:func:`disburse.services.acceptances.file_objection`). The depth check still applies to them.

The hook runs after the caller is authenticated (:func:`disburse.api.security.authenticate_first`), so
an anonymous caller of a route that needs a login gets 401, never field errors.
"""

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from flask_login import current_user
from werkzeug.exceptions import BadRequest

from disburse.domain.text import UNSTORABLE_MESSAGE, TooDeep, storable, text_errors
from disburse.services.errors import Invalid

F = TypeVar("F", bound=Callable[..., Any])

#: Request headers whose values are stored (the idempotency key is a primary key column).
STORED_HEADERS = ("Idempotency-Key",)
#: Room for a document upload's other form fields and multipart framing, beyond the document itself.
FORM_ROOM = 64 * 1024
#: The blueprints of pages anyone may open; every other page sends an anonymous caller to the login.
ANONYMOUS_PAGES = frozenset({"auth", "public_ui", "static"})


def takes_documents(view: F) -> F:
    """Mark a view that receives an uploaded document: its body may be as large as a document
    (``DISBURSE_MAX_DOCUMENT_BYTES`` and room for the form), not only ``DISBURSE_MAX_BODY_BYTES``."""
    view.takes_documents = True  # type: ignore[attr-defined]
    return view


def checks_own_text(view: F) -> F:
    """Mark a view whose service checks the text fields itself, after counting the attempt."""
    view.checks_own_text = True  # type: ignore[attr-defined]
    return view


class TooDeepBody(BadRequest):
    description = "the JSON body is nested too deeply (JSON 嵌套层数过多)"


def _json_body() -> Any:
    """The JSON body (parsed once, depth-checked) or ``None`` when there is none or it is malformed.

    Malformed JSON is left to the parser the view uses, which answers 400 as before.
    """
    if not request.is_json:
        return None
    data = request.get_data(cache=True)
    if not data:
        return None
    try:
        return json.loads(data)
    except RecursionError:
        raise TooDeepBody() from None
    except ValueError:
        return None


def request_errors(check_text: bool) -> dict[str, list[str]]:
    """Field path → messages for what the request carries that cannot be stored; 400 when too deep."""
    body = _json_body()
    try:
        errors = text_errors(body) if body is not None else {}
    except TooDeep as exc:
        raise TooDeepBody(str(exc)) from None
    if not check_text:
        return {}
    for values in (request.view_args or {}, request.args.to_dict(flat=False), request.form.to_dict(flat=False)):
        for where, messages in text_errors(values).items():
            errors[where.split(".")[0]] = messages  # a parameter's name, not its position among repeats
    for name, upload in request.files.items(multi=True):
        if upload.filename and not storable(upload.filename):
            errors[f"{name}.filename"] = [UNSTORABLE_MESSAGE]
    for header in STORED_HEADERS:
        value = request.headers.get(header)
        if value is not None and not storable(value):
            errors[header] = [UNSTORABLE_MESSAGE]
    return errors


def check_request() -> None:
    """The hook: refuse a request whose input cannot be handled (see the module's docstring)."""
    view = current_app.view_functions.get(request.endpoint or "")
    if view is None:
        return
    if not (request.path.startswith("/api/") or current_user.is_authenticated
            or request.blueprint in ANONYMOUS_PAGES or request.endpoint == "static"):
        return  # the page's login_required sends the caller to the login first
    if getattr(view, "takes_documents", False):  # before anything reads the body
        request.max_content_length = current_app.extensions["disburse.settings"].max_document_bytes + FORM_ROOM
    errors = request_errors(check_text=not getattr(view, "checks_own_text", False))
    if errors:
        raise Invalid("some fields hold characters that cannot be stored (字段含有无法保存的字符)", errors)


def init_app(app: Flask) -> None:
    app.before_request(check_request)
