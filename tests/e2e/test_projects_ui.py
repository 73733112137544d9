"""The project pages through the test client: forms refused keep what was typed, statuses, the diagram."""

import re
from typing import Any

import pytest

from tests.flow import CODE_A, COMMERCE, FINANCE, INSPECTOR, SUPERVISOR, Flow
from tests.helpers import PASSWORD, plan_path

PLAN_003 = plan_path("003")


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
        re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:2000]
    return match.group(1)


def logged_in(app: Any, username: str) -> tuple[Any, str]:
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    resp = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf_token(page)})
    assert resp.status_code == 302, resp.get_data(as_text=True)[:500]
    desk = client.get("/projects").get_data(as_text=True)
    return client, csrf_token(desk)


def test_every_reader_sees_the_project_list_and_each_desk_lists_the_projects(app: Any, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    for user in (COMMERCE, SUPERVISOR, INSPECTOR, FINANCE):
        client, _ = logged_in(app, user)
        listing = client.get("/projects")
        assert listing.status_code == 200 and f'data-project="{pid}"' in listing.get_data(as_text=True)
    for user in (COMMERCE, SUPERVISOR):
        client, _ = logged_in(app, user)
        desk = client.get("/desk")
        assert desk.status_code == 200, desk.get_data(as_text=True)[:3000]
        html = desk.get_data(as_text=True)
        assert f'data-project="{pid}"' in html and 'data-testid="county-totals"' in html
        assert "2024-12-31" in html  # the next deadline: the phases' and lines' end
        assert 'data-report="pending"' not in html  # plan_drafted takes no monthly report


def test_a_plan_with_errors_is_shown_again_with_its_field_errors(app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    broken = PLAN_003.read_text(encoding="utf-8").replace('region: "350921"', 'region: "35092"')
    resp = client.post("/projects/new", data={"csrf_token": token, "document": broken})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'data-field="region"' in html
    assert "region: &#34;35092&#34;" in html or 'region: "35092"' in html  # the text typed is kept


def test_a_project_created_from_the_textarea_opens_its_page(app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    resp = client.post("/projects/new", data={"csrf_token": token, "document": PLAN_003.read_text(encoding="utf-8")})
    assert resp.status_code == 302
    page = client.get(resp.headers["location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "150万元" in html and "1,500,000.00 元" in html and "1000万元" in html
    assert 'data-testid="event-file"' in html


def test_an_event_refused_answers_409_and_one_missing_data_422_with_the_note_kept(app: Any, flow: Flow) -> None:
    project = flow.tendered_project()
    pid = project["id"]
    client, token = logged_in(app, COMMERCE)
    refused = client.post(f"/projects/{pid}/events", data={"csrf_token": token, "event": "select_contractor"})
    assert refused.status_code == 409
    flashed = re.search(r'<div class="flash refusal".*?</div>', refused.get_data(as_text=True), re.S)
    assert flashed and "尚未签订任何合同" in flashed.group(0) and "本系统办理规则（无文件条款）" in flashed.group(0)
    missing = client.post(f"/projects/{pid}/events", data={"csrf_token": token, "event": "tender_failed",
                                                           "note": ""})
    assert missing.status_code == 422
    inspector, itoken = logged_in(app, INSPECTOR)
    typed = "抽查发现招标文件缺失"
    ok = inspector.post(f"/projects/{pid}/events", data={"csrf_token": itoken, "event": "suspend", "note": typed})
    assert ok.status_code == 302
    assert flow.project(pid)["state"] == "suspended"


def test_a_contract_form_with_a_wrong_credit_code_keeps_what_was_typed(app: Any, flow: Flow) -> None:
    project = flow.tendered_project()
    client, token = logged_in(app, COMMERCE)
    form = {"csrf_token": token, "lot": "标段一", "amount": "6500000.00", "signed_on": "2024-09-20",
            "contractor.name": "XX县电商物流服务有限公司", "contractor.credit_code": "91350921MA32ABCD10",
            "contractor.region": "350921", "contractor.declarations.independent_legal_person": "on",
            "line_ids": [str(project["lines"][0]["id"]), str(project["lines"][1]["id"])],
            "schedule.advance": "0.30", "schedule.final": "0.30",
            "schedule.stages.0.name": "阶段一", "schedule.stages.0.share": "0.40"}
    resp = client.post(f"/projects/{project['id']}/contracts", data=form)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'data-field="contractor.credit_code"' in html
    assert 'value="XX县电商物流服务有限公司"' in html
    form["contractor.credit_code"] = CODE_A
    resp = client.post(f"/projects/{project['id']}/contracts", data=form)
    assert resp.status_code == 302
    assert len(flow.project(project["id"])["contracts"]) == 1


def test_a_progress_report_is_submitted_once_per_month(app: Any, flow: Flow) -> None:
    pid = flow.tendered_project()["id"]
    client, token = logged_in(app, COMMERCE)
    data = {"csrf_token": token, "month": "2024-09", "text": "完成招标公告发布"}
    assert client.post(f"/projects/{pid}/reports", data=data).status_code == 302
    again = client.post(f"/projects/{pid}/reports", data=data)
    assert again.status_code == 409 and "完成招标公告发布" in again.get_data(as_text=True)
    late = client.get("/reports/late?month=2024-09").get_data(as_text=True)
    assert f'data-project="{pid}" data-report="submitted"' in late


@pytest.mark.parametrize("name", ["project", "acceptance", "payment"])
def test_every_workflow_is_drawn_with_the_current_state_highlighted(app: Any, name: str) -> None:
    client = app.test_client()
    state = {"project": "filed", "acceptance": "in_notice", "payment": "verified"}[name]
    resp = client.get(f"/workflows/{name}.svg?state={state}")
    assert resp.status_code == 200 and resp.mimetype == "image/svg+xml"
    svg = resp.get_data(as_text=True)
    assert f'<g class="state current" data-state="{state}"' in svg
    assert svg.count('<g class="state') == svg.count("<rect") == len(re.findall(r'data-state="', svg))
    english = client.get(f"/workflows/{name}.svg?state={state}&lang=en").get_data(as_text=True)
    assert not re.search(r"[\u3400-\u9fff]", english)
    assert client.get("/workflows/nothing.svg").status_code == 404


def test_the_workflow_diagram_file_is_valid_xml(app: Any) -> None:
    from xml.etree import ElementTree

    svg = app.test_client().get("/workflows/project.svg?state=suspended").get_data(as_text=True)
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg")
