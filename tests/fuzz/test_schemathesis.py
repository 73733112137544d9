"""API fuzzing (issue 10): schemathesis over ``/api/v1/openapi.json``, in process, as every role.

For each role (and anonymously) schemathesis generates requests for every operation of the OpenAPI
document — valid ones and invalid ones — and checks each answer: no 5xx (``not_a_server_error``), a
status the document lists for the operation (``status_code_conformance``; the document has no catch-all
``default`` response, see ``disburse.api.ProblemResponses``) and a body that matches the documented
schema (``response_schema_conformance``). SPEC §11.1 lists the statuses.

The app runs on one SQLite database per module, with county A of ``tests.fuzz.county`` in it, so half
of the generated ids name a real object and reach the services rather than stopping at a 404.
``DISBURSE_FUZZ_EXAMPLES`` sets the examples per operation and role (default 5); under ``CI`` the run is
derandomized, so a CI failure reproduces.
"""

import json
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from disburse.clock import ManualClock
from tests.conftest import Backends
from tests.flow import Flow
from tests.fuzz.county import HOME, ROLES, County, build

EXAMPLES = int(os.environ.get("DISBURSE_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]


class ClosingResponses:
    """WSGI middleware that reads each response whole and closes it, as a WSGI server does.

    schemathesis's in-process transport reads a response but never calls its ``close()``, so a
    downloaded document's file would stay open until garbage collection (a ResourceWarning, an
    error under ``filterwarnings = error``); gunicorn closes it (PEP 3333).
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        result = self.app(environ, start_response)
        try:
            return [b"".join(result)]
        finally:
            if hasattr(result, "close"):
                result.close()


@pytest.fixture(scope="module")
def county(backends: Backends, tmp_path_factory: pytest.TempPathFactory) -> Iterator[County]:
    """One app on a fresh SQLite database with county A built in it (fuzzing changes it as it goes)."""
    from disburse.app import create_app

    app = create_app({"TESTING": True, "database_url": backends.fresh("sqlite"),
                      "instance_path": tmp_path_factory.mktemp("fuzz") / "instance"})
    app.wsgi_app = ClosingResponses(app.wsgi_app)  # type: ignore[method-assign]
    flow = Flow(app, app.test_client())
    flow.county_users()
    county = build(flow)
    assert isinstance(flow.clock, ManualClock)
    yield county
    app.extensions["disburse.db"].dispose()


@pytest.fixture(params=[*ROLES, "anonymous"])
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def credentials(county: County, role: str) -> dict[str, str]:
    """The role's bearer token (county A's user of that role); nothing for the anonymous caller."""
    return {} if role == "anonymous" else county.flow.h(HOME[role])


def _openapi_document() -> dict[str, Any]:
    """The OpenAPI document as the app serves it (the document needs no database to be built)."""
    from disburse.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"TESTING": True, "database_url": f"sqlite:///{tmp}/unused.db",
                          "instance_path": Path(tmp) / "instance"})
        document: dict[str, Any] = app.test_client().get("/api/v1/openapi.json").get_json()
        app.extensions["disburse.db"].dispose()
    return document


schema = schemathesis.openapi.from_dict(_openapi_document())


@settings(max_examples=EXAMPLES, deadline=None, derandomize=bool(os.environ.get("CI")), database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@schema.parametrize()
def test_every_operation_answers_as_documented(case: Any, county: County, credentials: dict[str, str]) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        if name in county.ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = county.ids[name]
    case.call_and_validate(app=county.flow.app, headers=credentials, checks=CHECKS)


#: What a client can put in JSON text but nothing can store (issue 14): a NUL and a lone surrogate. A query
#: string carries only the NUL: a URL has no way to spell a lone surrogate (its UTF-8 bytes do not exist).
POISONS = ("\u0000", "\ud800")
#: Deep enough to overflow a recursive parser (issue 14 found 50 000 ``[`` answered 500).
DEEP = b"[" * 50_000


def _poisoned(value: Any, poison: str) -> Any:
    """``value`` with ``poison`` added to every string in it, keys included."""
    if isinstance(value, str):
        return value + poison
    if isinstance(value, dict):
        return {_poisoned(k, poison): _poisoned(v, poison) for k, v in value.items()}
    if isinstance(value, list):
        return [_poisoned(v, poison) for v in value]
    return value


@settings(max_examples=max(1, EXAMPLES // 2), deadline=None, derandomize=bool(os.environ.get("CI")), database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@schema.parametrize()
def test_no_operation_crashes_on_a_nul_or_a_lone_surrogate_in_any_string(case: Any, county: County,
                                                                         credentials: dict[str, str]) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        if name in county.ids and isinstance(value, int) and value % 2 == 0:
            case.path_parameters[name] = county.ids[name]
    if case.method.upper() != case.operation.method.upper():
        return  # a negative case with another method: the plain fuzzing covers it
    client = county.flow.app.test_client()
    documented = {int(code) for code in case.operation.definition.raw["responses"] if code.isdigit()}
    multipart = (case.media_type or "").startswith("multipart/")
    for poison in POISONS if not multipart else POISONS[:1]:  # a form's text is UTF-8 encoded by the client
        kwargs: dict[str, Any] = {"query_string": _poisoned(case.query or {}, "\u0000"), "headers": credentials}
        if multipart and isinstance(case.body, dict):
            kwargs.update(data=_poisoned(case.body, poison), content_type="multipart/form-data")
        elif isinstance(case.body, dict | list | str):
            kwargs.update(data=json.dumps(_poisoned(case.body, poison)), content_type="application/json")
        resp = client.open(case.formatted_path, method=case.method, **kwargs)
        try:
            assert resp.status_code < 500, (case.method, case.formatted_path, resp.get_data(as_text=True)[:300])
            # 415: the case had no body where one is needed (a negative case): refused before anything is read
            assert resp.status_code in documented | {415}, (case.method, case.formatted_path, resp.status_code)
        finally:
            resp.close()


def test_no_operation_crashes_on_json_nested_fifty_thousand_deep(county: County) -> None:
    """Every operation with a body, as a logged-in user and anonymously: 400 (or 401 first), never 5xx."""
    app = county.flow.app
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    answered = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if "requestBody" not in operation:
                continue
            url = re.sub(r"\{(\w+)\}", lambda m: str(county.ids.get(m.group(1), 1)), path)
            for headers in (county.flow.h(HOME["commerce"]), {}):
                resp = app.test_client().open(url, method=method.upper(), data=DEEP, headers=headers,
                                              content_type="application/json")
                answered.append((method, path, resp.status_code))
                assert resp.status_code in (400, 401, 404, 413, 415, 422), (method, path, resp.status_code)
    assert len(answered) >= 20
