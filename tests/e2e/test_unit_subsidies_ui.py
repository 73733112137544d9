"""Per-unit subsidies on the application's page (issue 20 item 4; seed 001 §5(4)3 每单物流补贴): the enterprise
reports a month's orders with its evidence, commerce verifies them on the page, and the subsidy form offers the
verified month with what it may pay now. A bad month is shown again with the form kept, nothing written."""

from typing import Any

from tests.e2e.test_applications_ui import count
from tests.e2e.test_documents import PDF, upload
from tests.e2e.test_projects_ui import logged_in
from tests.e2e.test_unit_subsidies import (
    COMMERCE_2,
    ENTERPRISE,
    awarded,
    county,  # noqa: F401 (the fixture)
    filed_project,
    open_call,
)
from tests.flow import Flow


def test_a_month_is_reported_verified_and_requested_on_the_application_page(app: Any, county: Flow) -> None:  # noqa: F811
    project = filed_project(county)
    application = awarded(county, county.ok(open_call(county, project), 201))
    ledger = county.ok(upload(county, ENTERPRISE, project["id"], content=PDF + b"2024-09", kind="report",
                              filename="订单台账-2024-09.pdf", contract_id=application["contract_id"]), 201)
    enterprise, enterprise_token = logged_in(app, ENTERPRISE)
    page = enterprise.get(f"/applications/{application['id']}").get_data(as_text=True)
    assert 'data-testid="report-volume"' in page and "每单 3.00 元" in page.replace(",", "")
    form = {"csrf_token": enterprise_token, "month": "2024-13", "volume": "120000", "document_ids": str(ledger["id"])}
    bad = enterprise.post(f"/applications/{application['id']}/volume-reports", data=form)
    assert bad.status_code == 422 and "120000" in bad.get_data(as_text=True)
    assert count(county, "volume_reports") == 0
    done = enterprise.post(f"/applications/{application['id']}/volume-reports", data={**form, "month": "2024-09"})
    assert done.status_code == 302, [line for line in done.get_data(as_text=True).splitlines() if "error" in line]

    commerce, token = logged_in(app, COMMERCE_2)
    page = commerce.get(f"/applications/{application['id']}").get_data(as_text=True)
    [report_id] = [int(x.split('"')[0]) for x in page.split('data-report="')[1:]]
    verified = commerce.post(f"/volume-reports/{report_id}/events",
                             data={"csrf_token": token, "event": "verify", "verified_volume": "110000",
                                   "note": "与快递单号台账核对一致"})
    assert verified.status_code == 302
    page = enterprise.get(f"/applications/{application['id']}").get_data(as_text=True)
    assert "330,000.00" in page  # 110000 orders × 3.00 yuan, under the 40万 monthly cap
    assert f'<option value="{report_id}"' in page

    requested = enterprise.post(f"/applications/{application['id']}/payments",
                                data={"csrf_token": enterprise_token, "volume_report_id": str(report_id),
                                      "amount": "330000.00"})
    assert requested.status_code == 302 and "/payments/" in requested.headers["location"]
