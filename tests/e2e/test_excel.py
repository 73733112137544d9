"""Excel in and out through the API, the pages and the command line (issue 9)."""

import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

from disburse.excel.cells import XLSX, YUAN_FORMAT
from disburse.excel.plan import load_plan_workbook
from disburse.schemas.plan import load_plan
from tests.cli import run_cli
from tests.e2e.test_projects_ui import logged_in
from tests.flow import COMMERCE, CONTRACTOR_A, CONTRACTOR_B, FINANCE, INSPECTOR, SUPERVISOR, Flow
from tests.helpers import EXAMPLES, example, make_user, token_headers

FIGURES = ("contracted", "requested", "in_flight", "approved", "disbursed", "remaining", "recovered")


def workbook(resp: Any) -> Any:
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    assert resp.mimetype == XLSX and "attachment" in resp.headers["Content-Disposition"]
    return load_workbook(io.BytesIO(resp.data))


def yuan(value: Any) -> str:
    return f"{Decimal(repr(value)) if isinstance(value, float) else Decimal(value):.2f}"


def paid_project(flow: Flow) -> dict[str, Any]:
    """Seed 003 with two contracts: A's advance disbursed, B's advance verified (in flight)."""
    flow.user("xp-finance-2", "finance")
    project, a, b = flow.selected_project()
    advance = flow.ok(flow.post(f"/contracts/{a['id']}/payments", {"kind": "advance", "amount": "1950000.00"},
                                CONTRACTOR_A), 201)
    for event, who, data in (("verify", COMMERCE, {}), ("approve", FINANCE, {}),
                             ("disburse", "xp-finance-2", {"voucher_no": "XP-2024-PZ-001",
                                                           "disbursed_on": "2024-09-27"})):
        flow.ok(flow.post(f"/payments/{advance['id']}/events", {"event": event, **data}, who))
    other = flow.ok(flow.post(f"/contracts/{b['id']}/payments", {"kind": "advance", "amount": "1000000.00"},
                              CONTRACTOR_B), 201)
    flow.ok(flow.post(f"/payments/{other['id']}/events", {"event": "verify"}, COMMERCE))
    return project


def test_the_ledger_exports_totals_equal_the_apis_ledger(flow: Flow) -> None:
    project = paid_project(flow)
    api = flow.ok(flow.get(f"/projects/{project['id']}/ledger"))
    wb = workbook(flow.get(f"/projects/{project['id']}/ledger.xlsx"))
    ws = wb["合同台账"]
    assert ws.freeze_panes == "A3"
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert [row[0] for row in rows] == [c["contract_id"] for c in api["contracts"]] + ["合计"]
    for row, contract in zip(rows, api["contracts"], strict=False):
        assert [yuan(v) for v in row[5:12]] == [contract[f] for f in FIGURES]
    assert [yuan(v) for v in rows[-1][5:12]] == [api["totals"][f] for f in FIGURES]
    assert api["totals"]["disbursed"] == "1950000.00" and api["totals"]["in_flight"] == "1000000.00"
    assert ws.cell(3 + len(api["contracts"]), 10).number_format == YUAN_FORMAT

    detail = wb["拨付明细"]
    payments = list(detail.iter_rows(min_row=3, values_only=True))
    assert [(p[3], p[4], p[6]) for p in payments] == [("预拨资金", 1950000, "XP-2024-PZ-001"),
                                                    ("预拨资金", 1000000, None)]
    assert payments[0][7].date().isoformat() == "2024-09-27" and detail["E3"].number_format == YUAN_FORMAT


def test_a_contractor_downloads_only_its_own_contracts_ledger(flow: Flow) -> None:
    project = paid_project(flow)
    ws = workbook(flow.get(f"/projects/{project['id']}/ledger.xlsx", CONTRACTOR_B))["合同台账"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 2 and rows[0][1] == "标段二" and yuan(rows[-1][9]) == "0.00"  # nothing disbursed to B


def test_downloads_are_authorised_like_the_project(app: Any, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    db = app.extensions["disburse.db"]
    make_user(db, "kp-commerce", "commerce", "652929")  # 柯坪县, another county
    make_user(db, "root", "admin", "350921")
    other, admin = token_headers(flow.client, "kp-commerce"), token_headers(flow.client, "root")
    for path in (f"/api/v1/projects/{pid}/plan.xlsx", f"/api/v1/projects/{pid}/ledger.xlsx"):
        assert flow.client.get(path, headers=other).status_code == 404
        assert flow.client.get(path, headers=admin).status_code == 403
        assert flow.client.get(path).status_code == 401
        assert workbook(flow.get(path.removeprefix("/api/v1"), SUPERVISOR))  # the prefecture sees it
    assert flow.client.get("/api/v1/projects/999999/plan.xlsx", headers=other).status_code == 404
    assert flow.client.get("/api/v1/reports/monthly.xlsx", headers=admin).status_code == 403


def test_a_projects_plan_export_imports_back_as_the_same_plan(app: Any, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    wb_bytes = flow.get(f"/projects/{pid}/plan.xlsx").data
    plan, source = load_plan_workbook(wb_bytes)
    expected, expected_source = load_plan(example("003"))
    assert plan == expected and source == expected_source
    assert load_workbook(io.BytesIO(wb_bytes)).worksheets[0]["D2"].value == "金额（万元）"


def test_the_monthly_report_lists_the_regions_projects_with_status_and_text(flow: Flow) -> None:
    project = flow.tendered_project()
    text = "本月完成县级电商公共服务中心招标，签订合同两份。"
    flow.ok(flow.post(f"/projects/{project['id']}/reports", {"month": "2024-09", "text": text}), 201)
    for who, region in ((COMMERCE, "350921"), (SUPERVISOR, "350900"), (SUPERVISOR, None)):
        query = "month=2024-09" + (f"&region={region}" if region else "")
        ws = workbook(flow.get(f"/reports/monthly.xlsx?{query}", who))["进度月报"]
        rows = [row for row in ws.iter_rows(min_row=3, values_only=True) if row[2] == project["id"]]
        assert len(rows) == 1
        code, county, _, name, _, due, status, submitted, days_late, body = rows[0]
        assert (code, county, name, status, days_late, body) == (
            "350921", "霞浦县", project["name"], "已报送", 0, text)
        assert due.date().isoformat() == "2024-09-30" and submitted.date().isoformat() == "2024-09-27"
        assert ws.freeze_panes == "A3" and "2024-09" in ws["A1"].value
    assert flow.get("/reports/monthly.xlsx?month=2024-09&region=652929", COMMERCE).status_code == 404
    assert flow.get("/reports/monthly.xlsx?month=2024-09&region=350900", COMMERCE).status_code == 404
    assert flow.get("/reports/monthly.xlsx?month=2024-13", COMMERCE).status_code == 422
    assert flow.get("/reports/monthly.xlsx?month=2024-09", CONTRACTOR_A).status_code == 403
    assert flow.get("/reports/monthly.xlsx?month=2024-09", INSPECTOR).status_code == 200


def test_the_pages_link_the_downloads(app: Any, flow: Flow) -> None:
    pid = flow.create_project()["id"]
    client, _ = logged_in(app, COMMERCE)
    html = client.get(f"/projects/{pid}").get_data(as_text=True)
    for testid, path in (("export-plan", "plan.xlsx"), ("export-ledger", "ledger.xlsx")):
        href = re.search(rf'href="([^"]+)"[^>]*data-testid="{testid}"', html)
        assert href and href.group(1) == f"/api/v1/projects/{pid}/{path}"
        assert client.get(href.group(1)).mimetype == XLSX  # the login session is enough
    late = client.get("/reports/late?month=2024-09").get_data(as_text=True)
    href = re.search(r'href="([^"]+)"[^>]*data-testid="export-monthly"', late)
    assert href and client.get(href.group(1).replace("&amp;", "&")).mimetype == XLSX


def test_an_xlsx_uploaded_on_the_new_project_page_creates_the_project(app: Any, flow: Flow) -> None:
    client, token = logged_in(app, COMMERCE)
    data = _xp_workbook()
    bad = _with_cell(data, "D4", "十万")
    resp = client.post("/projects/new", data={"csrf_token": token, "file": (io.BytesIO(bad), "plan.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    assert 'data-field="D4"' in resp.get_data(as_text=True)
    wrong_subtotal = _with_cell(data, "E4", 999)  # imports as a draft, with a warning naming the cell
    resp = client.post("/projects/new", data={"csrf_token": token, "file": (io.BytesIO(wrong_subtotal), "plan.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302
    assert "E4：小计 999 ≠ 该类合计" in client.get(resp.headers["location"]).get_data(as_text=True)
    resp = client.post("/projects/new", data={"csrf_token": token, "file": (io.BytesIO(data), "plan.xlsx")},
                       content_type="multipart/form-data")
    assert resp.status_code == 302, resp.get_data(as_text=True)[:2000]
    page = client.get(resp.headers["location"]).get_data(as_text=True)
    assert "150万元" in page


def _xp_workbook() -> bytes:
    from disburse.excel.plan import plan_workbook

    plan, source = load_plan(example("003"))
    return plan_workbook(plan, "万元", source)


def _with_cell(data: bytes, address: str, value: Any) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    wb.worksheets[0][address] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_plans_import_and_check_take_an_xlsx(database_url: str, tmp_path: Path) -> None:
    table_only = tmp_path / "table.xlsx"
    wb = load_workbook(EXAMPLES / "001-burqin-2020.xlsx")
    del wb["项目信息"]
    wb.save(table_only)
    assert run_cli(["plans", "check", str(EXAMPLES / "001-burqin-2020.xlsx")], cwd=tmp_path).returncode == 0
    missing = run_cli(["plans", "check", str(table_only)], cwd=tmp_path)
    assert missing.returncode == 1 and "--rule-set" in missing.stderr
    bad = tmp_path / "bad.xlsx"
    wb = load_workbook(EXAMPLES / "001-burqin-2020.xlsx")
    wb.worksheets[0]["E5"] = 230
    wb.save(bad)
    refused = run_cli(["plans", "check", str(bad)], cwd=tmp_path)
    assert refused.returncode == 1 and "E5：小计 230 ≠ 该类合计 220" in refused.stderr  # a warning by cell
    assert "subtotal_mismatch" in refused.stdout  # and the rule that refuses it
    run_cli(["users", "create", "bej-commerce", "--role", "commerce", "--region", "654321",
             "--password", "a long password"], database_url, cwd=tmp_path)
    imported = run_cli(["plans", "import", str(table_only), "--as", "bej-commerce", "--name", "布尔津县（表格导入）",
                        "--region", "654321", "--rule-set", "national-2020"], database_url, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().splitlines()[-1].isdigit()
