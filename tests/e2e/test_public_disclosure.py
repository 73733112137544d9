"""Public disclosure without a login (SPEC §9): what is shown, and what never is."""

import json
import re
from typing import Any

from disburse.services import disclosure
from tests.flow import (
    ACCOUNTS,
    CODE_A,
    COMMERCE,
    CONTRACTOR_A,
    FINANCE,
    LEADER,
    NAME_A,
    NOTICE_ENDS_ON,
    PAYEE_BANK,
    Flow,
)

CASHIER = "xp-finance-2"


def disbursed_advance(flow: Flow, contract: dict[str, Any]) -> dict[str, Any]:
    """Requested by contractor A, verified by commerce, approved by finance, disbursed by a second finance user."""
    flow.user(CASHIER, "finance")
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": "900000.00"},
                                CONTRACTOR_A), 201)
    for event, who, extra in (("verify", COMMERCE, {}), ("approve", FINANCE, {}),
                              ("disburse", CASHIER, {"voucher_no": "PZ-2024-0917", "disbursed_on": "2024-09-27"})):
        payment = flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": event, **extra}, who))
    assert payment["state"] == "disbursed"
    return payment


def test_a_draft_plan_is_not_public_and_a_filed_one_is(flow: Flow) -> None:
    draft = flow.create_project()
    assert flow.client.get(f"/api/v1/public/projects/{draft['id']}").status_code == 404
    assert flow.client.get("/api/v1/public/projects").get_json()["total"] == 0
    flow.fire_ok(draft["id"], "file")
    listed = flow.client.get("/api/v1/public/projects").get_json()
    assert [p["id"] for p in listed["items"]] == [draft["id"]]
    assert listed["items"][0]["county"] == {"code": "350921", "name": "霞浦县"}
    assert flow.client.get("/api/v1/public/projects?region=350900").get_json()["total"] == 1
    assert flow.client.get("/api/v1/public/projects?region=530000").get_json()["total"] == 0


def test_the_public_project_discloses_the_plan_contracts_payments_and_results_but_no_people(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    disbursed_advance(flow, a)
    acceptance = flow.in_notice(project, a)
    resp = flow.client.get(f"/api/v1/public/projects/{project['id']}")
    assert resp.status_code == 200
    body = resp.get_json()
    assert body["name"] == project["name"] and body["total"] == "10000000.00"
    assert [r["name"] for r in body["regions"]] == ["福建省", "宁德市", "霞浦县"]
    assert len(body["lines"]) == len(project["lines"]) and set(body["lines"][0]) == {"category", "item", "amount",
                                                                                     "tags"}
    assert body["rule_set"]["id"] == project["rule_set"]
    assert {c["contractor"] for c in body["contracts"]} >= {NAME_A}
    assert body["payments"] == [{"lot": "标段一", "kind": "advance", "amount": "900000.00",
                                 "disbursed_on": "2024-09-27"}]
    assert [n["id"] for n in body["notices"]] == [acceptance["notice"]["id"]]
    assert [(x["kind"], x["state"]) for x in body["acceptances"]] == [("stage", "in_notice")]
    assert body["supervision"]["phone"] == "0593-12388"
    assert body["audit"]["entries"] > 0 and len(body["audit"]["head"]) == 64
    text = json.dumps(body, ensure_ascii=False)
    for secret in ("PZ-2024-0917", COMMERCE, FINANCE, CASHIER, LEADER, CONTRACTOR_A, "credit_code", "voucher",
                   "by"):
        assert secret not in text, secret


def test_a_notice_is_no_longer_listed_once_it_has_ended(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    notice_id = acceptance["notice"]["id"]
    assert disclosure.public_notice(flow.db, notice_id, flow.clock.now())["open"]
    flow.after_notice(acceptance)
    body = flow.client.get(f"/api/v1/public/projects/{project['id']}").get_json()
    assert body["notices"] == []
    assert not disclosure.public_notice(flow.db, notice_id, flow.clock.now())["open"]


def test_the_nearest_enclosing_region_gives_the_supervision_contact() -> None:
    contacts = {"default": {"zh": "全国", "en": "national", "phone": "12388"},
                "regions": {"350000": {"zh": "省", "en": "province", "phone": "1"},
                            "350921": {"zh": "县", "en": "county", "phone": "3"}}}
    assert disclosure.supervision_contact("/350000/350900/350921/", contacts)["phone"] == "3"
    assert disclosure.supervision_contact("/350000/350900/350922/", contacts)["phone"] == "1"
    assert disclosure.supervision_contact("/530000/530300/530325/", contacts)["phone"] == "12388"
    assert disclosure.supervision_contact("/530000/530300/530325/")["zh"] == "中央纪委国家监委举报电话 12388"


def test_the_public_endpoints_need_no_login_in_the_openapi_document(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in ("/api/v1/public/projects", "/api/v1/public/projects/{project_id}", "/api/v1/public/notices",
                 "/api/v1/public/notices/{notice_id}"):
        assert spec["paths"][path]["get"]["security"] == []


# --- issue 18 item 8: the public sees what is publicised ----------------------------------------------------

HEX_HASH = re.compile(r"\b[0-9a-f]{64}\b")
B64_HASH = re.compile(r"[A-Za-z0-9+/]{43}=")


def outside_inspector_details(html: str) -> str:
    """The page without its "for inspectors" details, where hashes belong."""
    return re.sub(r'<details class="for-inspectors".*?</details>', "", html, flags=re.S)


def test_the_landing_page_lists_the_open_notice_before_the_projects(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    html = flow.client.get("/public").get_data(as_text=True)
    notice_id = acceptance["notice"]["id"]
    assert html.index(f'data-testid="open-notice-{notice_id}"') < html.index('data-testid="public-projects"')
    row = html[html.index(f'data-testid="open-notice-{notice_id}"'):]
    row = row[:row.index("</tr>")]
    for shown in (project["name"], "霞浦县", "标段一", NAME_A, "260万元", "2,600,000.00 元", f"{NOTICE_ENDS_ON} 24:00",
                  f"/public/notices/{notice_id}"):
        assert shown in row, shown
    listed = flow.client.get("/api/v1/public/notices").get_json()
    assert [(n["id"], n["accepted_total"], n["ends_on"]) for n in listed["items"]] == [
        (notice_id, "2600000.00", NOTICE_ENDS_ON)]
    flow.after_notice(acceptance)
    assert "no-open-notices" in flow.client.get("/public").get_data(as_text=True)
    assert flow.client.get("/api/v1/public/notices").get_json()["items"] == []


def test_the_notice_shows_the_lines_verdicts_accepted_amounts_and_the_proposed_payment(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    acceptance = flow.ok(flow.apply(a, CONTRACTOR_A), 201)
    flow.act_ok(acceptance, "start_review")
    second_line = project["lines"][1]["id"]
    flow.act_ok(acceptance, "pass", verdicts=flow.verdicts(project, a, fail=frozenset({second_line})))
    notice_id = flow.publish(acceptance)["notice"]["id"]
    body = flow.client.get(f"/api/v1/public/notices/{notice_id}").get_json()
    assert [(line["item"], line["result"], line["accepted"]) for line in body["lines"]] == [
        (project["lines"][0]["item"], "pass", "600000.00"), (project["lines"][1]["item"], "fail", "0.00")]
    assert body["accepted_total"] == "600000.00"
    assert body["proposed_payment"]["amount"] == "600000.00"  # below the stage's 40 % of 650万
    assert "205号" in body["proposed_payment"]["clause"]["zh"]
    html = flow.client.get(f"/public/notices/{notice_id}").get_data(as_text=True)
    lines = html[html.index('data-testid="notice-lines"'):html.index("</table>", html.index('"notice-lines"'))]
    assert project["lines"][0]["item"] in lines and project["lines"][1]["item"] in lines
    assert lines.count(">合格<") == 1 and lines.count(">不合格<") == 1
    assert "60万元" in lines and "600,000.00 元" in lines
    assert "核减：按实际完成量核定" not in html  # the reviewers' notes are internal
    proposed = html[html.index('data-testid="notice-proposed"'):]
    assert proposed[:proposed.index("</dd>")].count("60万元") == 1
    assert "拟补助资金" in html and "曲政办发〔2018〕205号" in html


def test_the_proposed_payment_of_a_stage_is_capped_by_its_share_and_a_final_one_deducts_what_was_paid(
        flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    disbursed_advance(flow, a)
    stage = flow.in_notice(project, a)  # 40 % of lines 1–2 accepted: 260万, the stage's 40 % of 650万 likewise
    body = flow.client.get(f"/api/v1/public/notices/{stage['notice']['id']}").get_json()
    assert (body["accepted_total"], body["proposed_payment"]["amount"]) == ("2600000.00", "2600000.00")
    assert "最低" in body["proposed_payment"]["basis"]["zh"]


def test_no_bank_account_objector_or_hash_reaches_the_public_pages(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    acceptance = flow.in_notice(project, a)
    assert flow.object_to(acceptance, contact="objector@example.com", name="李四").status_code == 201
    notice_id = acceptance["notice"]["id"]
    # objected, the notice still runs and is still listed first
    assert [n["id"] for n in flow.client.get("/api/v1/public/notices").get_json()["items"]] == [notice_id]
    for path in ("/public", "/public/projects", f"/public/projects/{project['id']}", f"/public/notices/{notice_id}",
                 f"/api/v1/public/notices/{notice_id}", "/api/v1/public/notices", "/api/v1/public/projects",
                 f"/api/v1/public/projects/{project['id']}"):
        resp = flow.client.get(path)
        assert resp.status_code == 200, path
        text = resp.get_data(as_text=True)
        for secret in (ACCOUNTS[CODE_A], PAYEE_BANK, "payee", "objector@example.com", "李四", COMMERCE, CONTRACTOR_A):
            assert secret not in text, (path, secret)
        if path.startswith("/public"):
            visible = outside_inspector_details(text)
            assert not HEX_HASH.search(visible) and not B64_HASH.search(visible), path
            for developer_word in ("SPEC", "seed 0", "§", "xx-2024", "in_notice", "staged_acceptance"):
                assert developer_word not in text, (path, developer_word)
    html = flow.client.get(f"/public/projects/{project['id']}").get_data(as_text=True)
    assert HEX_HASH.search(html) and "供核查人员查看" in html  # the chain head is there, for inspectors


def test_the_public_projects_page_and_api_list_county_name_total_state_and_rule_set(flow: Flow) -> None:
    project = flow.tendered_project()
    html = flow.client.get("/public/projects").get_data(as_text=True)
    row = html[html.index(f'data-project="{project["id"]}"'):]
    row = row[:row.index("</tr>")]
    for shown in (project["name"], "霞浦县", "1000万元", "10,000,000.00 元", "招标中",
                  "XX县2024年创建国家级电子商务进农村综合示范县资金管理规则"):
        assert shown in row, shown
    assert "tendered" not in row and "xx-2024" not in row
    assert 'data-project' not in flow.client.get("/public/projects?region=530000").get_data(as_text=True)
    english = flow.client.get("/public/projects?lang=en").get_data(as_text=True)
    assert "10 million yuan" in english and "fund rules" in english
    item = flow.client.get("/api/v1/public/projects").get_json()["items"][0]
    assert item["rule_set"]["title"]["zh"].startswith("XX县2024年") and item["state_label"]["zh"] == "招标中"
    assert item["total"] == "10000000.00" and item["total_wan"] == "1000万元"
