"""Disclosure as OCDS 1.1 release packages (SPEC §9; docs/ocds.md), validated with libcoveocds."""

import functools
import io
import json
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from disburse.services import ocds
from tests.cli import run_cli
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, INSPECTOR, LEADER, NAME_A, Flow

SCHEMA = Path(__file__).parents[1] / "data" / "ocds-1__1__5"
CASHIER = "xp-finance-2"
VOUCHER = "PZ-2024-0917"


def closed_codelists(schema: Any, found: dict[str, list[str]] | None = None) -> dict[str, list[str]]:
    """``{"releaseTag.csv": [codes]}`` for every closed codelist, from the enums the 1.1 schema carries."""
    found = {} if found is None else found
    if isinstance(schema, dict):
        enum = schema.get("enum") or (schema.get("items") or {}).get("enum")
        if "codelist" in schema and not schema.get("openCodelist") and enum:
            found[schema["codelist"]] = [code for code in enum if code is not None]
        for value in schema.values():
            closed_codelists(value, found)
    elif isinstance(schema, list):
        for value in schema:
            closed_codelists(value, found)
    return found


@functools.cache
def standard_zip() -> bytes:
    """The schema files laid out as a ZIP of the standard's repository, which libcoveocds reads offline.

    The closed codelists' CSVs are written from the schema's enums (tests/data/ocds-1__1__5/README.md).
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("standard-1__1__5/", "")
        for path in sorted(SCHEMA.glob("*.json")):
            archive.writestr(f"standard-1__1__5/schema/{path.name}", path.read_bytes())
        codelists = closed_codelists(json.loads((SCHEMA / "release-schema.json").read_text(encoding="utf-8")))
        for name, codes in sorted(codelists.items()):
            archive.writestr(f"standard-1__1__5/schema/codelists/{name}", "Code\n" + "".join(f"{c}\n" for c in codes))
    return buffer.getvalue()


def cove(package: dict[str, Any]) -> dict[str, Any]:
    """The Open Contracting Partnership's validator's report on a release package."""
    from libcoveocds.api import ocds_json_output
    from libcoveocds.config import LibCoveOCDSConfig

    config = LibCoveOCDSConfig({"context": "api", "standard_zip": standard_zip()})
    report: dict[str, Any] = ocds_json_output("", json_data=package, lib_cove_ocds_config=config)
    return report


def disbursed_advance(flow: Flow, contract: dict[str, Any], amount: str = "900000.00") -> dict[str, Any]:
    """Requested by contractor A, verified by commerce, approved by finance, disbursed by a second finance user."""
    if CASHIER not in flow.user_ids:
        flow.user(CASHIER, "finance")
    payment = flow.ok(flow.post(f"/contracts/{contract['id']}/payments", {"kind": "advance", "amount": amount},
                                CONTRACTOR_A), 201)
    for event, who, extra in (("verify", COMMERCE, {}), ("approve", FINANCE, {}),
                              ("disburse", CASHIER, {"voucher_no": VOUCHER, "disbursed_on": "2024-09-27"})):
        payment = flow.ok(flow.post(f"/payments/{payment['id']}/events", {"event": event, **extra}, who))
    return payment


def approved_stage(flow: Flow, project: dict[str, Any], contract: dict[str, Any]) -> dict[str, Any]:
    """Stage 1 of the contract passed, on notice, notice closed, approved by the leader."""
    acceptance = flow.in_notice(project, contract)
    flow.after_notice(acceptance)
    flow.act_ok(acceptance, "close_notice")
    approved = flow.act_ok(acceptance, "approve", LEADER)
    assert approved["state"] == "approved"
    return approved


def ocds_of(flow: Flow, pid: int) -> dict[str, Any]:
    resp = flow.client.get(f"/api/v1/public/projects/{pid}/ocds")
    assert resp.status_code == 200, resp.get_json()
    body: dict[str, Any] = resp.get_json()
    return body


def test_a_project_through_tender_contracts_acceptance_and_payment_validates_without_errors(flow: Flow) -> None:
    project, a, b = flow.selected_project()
    disbursed_advance(flow, a)
    approved_stage(flow, project, a)
    package = ocds_of(flow, project["id"])

    report = cove(package)
    assert report["validation_errors"] == [], report["validation_errors"]
    assert report["additional_closed_codelist_values"] == {} and report["all_additional_fields"] == []
    assert "conformance_errors" not in report and report.get("json_deref_error") is None
    broken = json.loads(json.dumps(package))
    broken["releases"][2]["awards"][0]["value"]["amount"] = "6500000.00"
    assert [e["path"] for e in cove(broken)["validation_errors"]] == ["releases/2/awards/0/value/amount"]

    ocid = f"ocds-disburse-{project['id']}"
    releases = package["releases"]
    assert package["version"] == "1.1" and {r["ocid"] for r in releases} == {ocid}
    assert [r["tag"] for r in releases] == [["planning"], ["tender"], ["award", "contract"], ["award", "contract"],
                                            ["tenderUpdate"], ["implementation"], ["implementation"]]
    planning, tender = releases[0], releases[1]
    assert planning["planning"]["budget"]["amount"] == {"amount": 10000000, "currency": "CNY"}
    assert len(planning["tender"]["items"]) == len(project["lines"])
    assert (tender["tender"]["procurementMethod"], tender["tender"]["procurementMethodDetails"]) == ("open", "公开招标")
    assert tender["tender"]["title"] == tender["tender"]["title_zh"] == project["name"]
    award_a = releases[2]["awards"][0]
    assert award_a["value"] == {"amount": 6500000, "currency": "CNY"} and award_a["title_zh"] == "标段一"
    assert award_a["suppliers"][0]["name"] == NAME_A
    supplier = next(p for p in releases[2]["parties"] if p["name"] == NAME_A)
    assert supplier["identifier"] == {"scheme": "CN-USCC", "id": a["contractor"]["credit_code"], "legalName": NAME_A}
    assert releases[2]["contracts"][0]["dateSigned"] == "2024-09-20T00:00:00+08:00"
    paid = releases[5]["contracts"][0]["implementation"]["transactions"]
    assert [(t["value"], t["date"], t["payee"]["name"]) for t in paid] == [
        ({"amount": 900000, "currency": "CNY"}, "2024-09-27T00:00:00+08:00", NAME_A)]
    milestone = releases[6]["contracts"][0]["implementation"]["milestones"][0]
    assert (milestone["title_zh"], milestone["status"]) == ("第1阶段验收", "met")
    assert all(r["language"] == "zh" and r["buyer"]["name"] == "霞浦县商务局" for r in releases)


def test_the_public_ocds_needs_no_login_and_a_draft_project_is_404(flow: Flow) -> None:
    draft = flow.create_project()
    assert flow.client.get(f"/api/v1/public/projects/{draft['id']}/ocds").status_code == 404
    assert flow.client.get("/api/v1/public/projects/999999/ocds").status_code == 404
    assert flow.client.get("/api/v1/public/ocds").get_json()["releases"] == []
    flow.fire_ok(draft["id"], "file")
    filed = ocds_of(flow, draft["id"])
    assert [r["tag"] for r in filed["releases"]] == [["planning"]]
    bulk = flow.client.get("/api/v1/public/ocds").get_json()
    assert bulk["releases"] == filed["releases"]
    assert cove(bulk)["validation_errors"] == []


def test_no_voucher_numbers_user_names_or_objectors_are_published(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    disbursed_advance(flow, a)
    acceptance = flow.in_notice(project, a)
    objector = {"name": "王某某", "contact": "13912345678", "content": "验收材料与实际建设情况不符，请核查。"}
    assert flow.object_to(acceptance, **objector).status_code == 201
    text = json.dumps([ocds_of(flow, project["id"]), flow.client.get("/api/v1/public/ocds").get_json()],
                      ensure_ascii=False)
    for secret in (VOUCHER, "voucher", COMMERCE, FINANCE, CASHIER, LEADER, CONTRACTOR_A, INSPECTOR,
                   *objector.values()):
        assert secret not in text, secret


def test_each_disclosed_change_adds_a_release_and_published_ones_never_change(flow: Flow) -> None:
    project, a, _b = flow.selected_project()
    before = ocds_of(flow, project["id"])["releases"]
    disbursed_advance(flow, a, "300000.00")
    after = ocds_of(flow, project["id"])["releases"]
    assert after[:len(before)] == before and len(after) == len(before) + 1
    assert after[-1]["id"].startswith(f"ocds-disburse-{project['id']}-") and after[-1]["tag"] == ["implementation"]
    assert ocds_of(flow, project["id"])["releases"] == after


def test_the_ocid_prefix_comes_from_the_settings(flow: Flow) -> None:
    pid = flow.create_project()["id"]
    flow.fire_ok(pid, "file")
    flow.app.extensions["disburse.settings"].ocid_prefix = "ocds-a1b2c3"
    release = ocds_of(flow, pid)["releases"][0]
    assert release["ocid"] == f"ocds-a1b2c3-{pid}" and release["id"].startswith(f"ocds-a1b2c3-{pid}-")


def test_the_cli_writes_the_bulk_package(flow: Flow, database_url: str, tmp_path: Path) -> None:
    pid = flow.create_project()["id"]
    flow.fire_ok(pid, "file")
    out = tmp_path / "ocds.json"
    result = run_cli(["public", "ocds", str(out), "--uri", "https://example.org/ocds.json"], database_url,
                     cwd=tmp_path, env={"DISBURSE_OCID_PREFIX": "ocds-x9y8z7"})
    assert result.returncode == 0, result.stderr
    package = json.loads(out.read_text(encoding="utf-8"))
    assert package["uri"] == "https://example.org/ocds.json"
    assert [r["ocid"] for r in package["releases"]] == [f"ocds-x9y8z7-{pid}"]


@pytest.mark.parametrize(("amount", "number"), [("6500000.00", 6500000), ("1234567.89", 1234567.89),
                                                 ("0.10", 0.1), ("9999999999999.99", 9999999999999.99)])
def test_amounts_are_exact_json_numbers(amount: str, number: float) -> None:
    value = ocds.amount_number(Decimal(amount))
    assert value == number and Decimal(json.dumps(value)) == Decimal(amount)


def test_a_failed_tender_its_new_round_and_a_withdrawn_contract_are_releases_too(flow: Flow) -> None:
    project = flow.tendered_project()
    flow.fire_ok(project["id"], "tender_failed", note="投标人不足三家")
    flow.fire_ok(project["id"], "reannounce_tender", method="competitive_negotiation", packaging="whole",
                 announced_on="2024-09-10")
    withdrawn = flow.contract_a(project)
    assert flow.delete(f"/contracts/{withdrawn['id']}").status_code == 204
    package = ocds_of(flow, project["id"])
    assert cove(package)["validation_errors"] == []
    releases = package["releases"]
    assert [r["tag"] for r in releases] == [["planning"], ["tender"], ["tenderUpdate"], ["tender"],
                                            ["award", "contract"], ["awardCancellation", "contractTermination"]]
    assert releases[2]["tender"]["status"] == "unsuccessful"
    assert (releases[3]["tender"]["procurementMethod"], releases[3]["tender"]["status"]) == ("selective", "active")
    assert releases[4]["awards"][0]["suppliers"][0]["name"] == NAME_A
    assert "dateSigned" not in releases[4]["contracts"][0]
    assert releases[5]["awards"] == [{"id": releases[4]["awards"][0]["id"], "status": "cancelled"}]


def test_a_call_is_a_process_of_its_own_its_notice_a_pending_award_its_award_active(flow: Flow) -> None:
    """Issue 20: a call for applications is a tender of its own process, related to the project's; the
    application publicised is a pending award with the proposed subsidy, the leader's award makes it active."""
    from tests.e2e.test_applications import ENTERPRISE, act_ok, in_notice, open_call
    from tests.flow import CODE_C, NAME_C

    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    project, _a, _b = flow.selected_project()
    before = ocds_of(flow, project["id"])["releases"]
    # lines 1–5 are contracted to A and B in full: the call goes on a project of its own
    other = flow.fire_ok(flow.create_project()["id"], "file")
    call = flow.ok(open_call(flow, other, 4, "1000000.00"), 201)
    noticed = in_notice(flow, call, "500000.00")
    flow.after_notice(noticed)
    act_ok(flow, noticed, "close_notice")
    act_ok(flow, noticed, "award", LEADER)

    package = ocds_of(flow, other["id"])
    report = cove(package)
    assert report["validation_errors"] == [], report["validation_errors"]
    assert report["additional_closed_codelist_values"] == {} and report["all_additional_fields"] == []
    project_ocid, call_ocid = f"ocds-disburse-{other['id']}", f"ocds-disburse-{other['id']}-call-{call['id']}"
    releases = package["releases"]
    assert [(r["ocid"], r["tag"]) for r in releases] == [
        (project_ocid, ["planning"]), (call_ocid, ["tender"]), (call_ocid, ["award"]),
        (call_ocid, ["awardUpdate", "contract"])]
    tender = releases[1]["tender"]
    assert (tender["title_zh"], tender["procurementMethod"], tender["value"]) == (
        "电商扶贫项目申报", "open", {"amount": 1000000, "currency": "CNY"})
    assert [i["description"].split("：")[0] for i in tender["items"]] == ["推进农村电商助力扶贫工作"]
    assert "近三年无违法违规记录" in tender["eligibilityCriteria"]
    assert tender["tenderPeriod"]["endDate"] == "2024-12-31T23:59:59+08:00"
    assert releases[1]["relatedProcesses"] == [{"id": "1", "relationship": ["planning"], "title": other["name"],
                                                "scheme": "ocid", "identifier": project_ocid}]
    pending, active = releases[2]["awards"][0], releases[3]["awards"][0]
    assert pending["id"] == active["id"] == f"{call_ocid}-award-{noticed['id']}"
    assert (pending["status"], pending["value"]) == ("pending", {"amount": 500000, "currency": "CNY"})
    assert (active["status"], active["value"]) == ("active", {"amount": 500000, "currency": "CNY"})
    [agreement] = releases[3]["contracts"]
    assert agreement["awardID"] == active["id"] and agreement["value"] == {"amount": 500000, "currency": "CNY"}
    assert agreement["description"] == "补助协议" and agreement["dateSigned"].endswith("+08:00")
    supplier = next(p for p in releases[3]["parties"] if p["name"] == NAME_C)
    assert supplier["identifier"] == {"scheme": "CN-USCC", "id": CODE_C, "legalName": NAME_C}
    # the first project's process is untouched by the other project's call
    assert ocds_of(flow, project["id"])["releases"] == before
    bulk = flow.client.get("/api/v1/public/ocds").get_json()
    assert cove(bulk)["validation_errors"] == []


def test_a_subsidy_is_one_award_one_contract_and_its_transactions_in_its_calls_process(flow: Flow) -> None:
    """Issue 20: the subsidy agreement is a row of contracts; OCDS counts it once — in its call's process, with
    the acceptance of the work as a milestone and the subsidy paid as a transaction — and never in the project's."""
    from tests.e2e.test_applications import ENTERPRISE
    from tests.e2e.test_subsidies import ACCOUNT, COMMERCE_2, accepted, awarded, request, step, today
    from tests.flow import CODE_C, NAME_C

    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    flow.user(COMMERCE_2, "commerce")
    flow.user(CASHIER, "finance")
    project = flow.fire_ok(flow.create_project()["id"], "file")
    flow.funds_arrived(project)
    call, application = awarded(flow, project)
    accepted(flow, project, application, "450000.00")
    payment = flow.ok(request(flow, application, "450000.00"), 201)
    flow.ok(step(flow, payment, "verify", COMMERCE_2))
    flow.ok(step(flow, payment, "approve", FINANCE))
    flow.client.put(f"/api/v1/contracts/{application['contract_id']}/payee", headers=flow.h(COMMERCE),
                    json={"payee_bank": "中国农业银行霞浦县支行", "payee_account": ACCOUNT})
    flow.ok(step(flow, payment, "disburse", CASHIER, voucher_no=VOUCHER, disbursed_on=today(flow)))

    package = ocds_of(flow, project["id"])
    report = cove(package)
    assert report["validation_errors"] == [], report["validation_errors"]
    assert report["additional_closed_codelist_values"] == {} and report["all_additional_fields"] == []
    project_ocid = f"ocds-disburse-{project['id']}"
    call_ocid = f"{project_ocid}-call-{call['id']}"
    releases = package["releases"]
    assert [(r["ocid"], r["tag"]) for r in releases] == [
        (project_ocid, ["planning"]), (call_ocid, ["tender"]), (call_ocid, ["award"]),
        (call_ocid, ["awardUpdate", "contract"]), (call_ocid, ["implementation"]), (call_ocid, ["implementation"])]
    awards = [a for r in releases for a in r.get("awards", [])]
    contracts = [c for r in releases if "contract" in r["tag"] for c in r["contracts"]]
    assert {a["id"] for a in awards} == {f"{call_ocid}-award-{application['id']}"}
    assert [c["id"] for c in contracts] == [f"{call_ocid}-contract-{application['contract_id']}"]
    milestone = releases[4]["contracts"][0]["implementation"]["milestones"][0]
    assert (milestone["title_zh"], milestone["status"]) == ("终验", "met")
    [paid] = releases[5]["contracts"][0]["implementation"]["transactions"]
    assert (paid["value"], paid["payee"]["name"], paid["payer"]["name"]) == (
        {"amount": 450000, "currency": "CNY"}, NAME_C, "霞浦县财政局")
    assert releases[5]["contracts"][0]["id"] == contracts[0]["id"]
    assert VOUCHER not in json.dumps(package, ensure_ascii=False)


def test_an_upheld_objection_makes_the_pending_award_unsuccessful(flow: Flow) -> None:
    from tests.e2e.test_applications import ENTERPRISE, act_ok, in_notice, object_to, open_call
    from tests.flow import CODE_C

    flow.user(ENTERPRISE, "contractor", contractor=CODE_C)
    project = flow.fire_ok(flow.create_project()["id"], "file")
    call = flow.ok(open_call(flow, project, 4, "1000000.00"), 201)
    noticed = in_notice(flow, call)
    before = ocds_of(flow, project["id"])["releases"]
    flow.ok(object_to(flow, noticed), 201)
    objection = flow.ok(flow.get(f"/applications/{noticed['id']}"))["notice"]["objections"][0]
    act_ok(flow, noticed, "resolve_objection", objection_id=objection["id"], decision="uphold", note="经核查，异议属实")
    package = ocds_of(flow, project["id"])
    assert cove(package)["validation_errors"] == []
    after = package["releases"]
    assert after[:len(before)] == before and len(after) == len(before) + 1
    assert after[-1]["tag"] == ["awardUpdate"]
    assert after[-1]["awards"] == [{"id": before[-1]["awards"][0]["id"], "status": "unsuccessful"}]
    assert "异议属实" not in json.dumps(package, ensure_ascii=False)
