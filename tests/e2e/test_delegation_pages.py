"""Delegation while away in the pages (代理, issue 21 item 2), through the test client on a real database.

``xp-finance`` gives their queue to ``xp-finance-2`` from 我的代理; a refused form is shown again as typed
with each message in the page's language; a delegation is revoked from either side or by the administrator;
the deputy chooses to act for the principal, sees a banner on every page, approves a payment on its page, and
the audit entry names both. Acting ends with 退出代理, or by itself when the delegation ends.
"""

import re
from datetime import timedelta
from typing import Any

from tests.e2e.test_delegation import ADMIN_NAME, FINANCE_2, day, delegate, verified
from tests.e2e.test_projects_ui import csrf_token, logged_in
from tests.flow import COMMERCE, CONTRACTOR_A, FINANCE, INSPECTOR, LEADER, Flow


def page(client: Any, path: str) -> str:
    resp = client.get(path)
    assert resp.status_code == 200, (path, resp.status_code)
    return str(resp.get_data(as_text=True))


def rows(html: str, table: str) -> list[str]:
    """The rows of the table ``data-testid=table`` (its body, as HTML)."""
    body = html.split(f'data-testid="{table}"', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr data-delegation=.*?</tr>", body, re.S)


def test_a_finance_official_gives_a_delegation_on_the_page_and_both_see_it(app: Any, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    flow.user("other-county-finance", "finance", region="350922")
    client, token = logged_in(app, FINANCE)
    html = page(client, "/me/delegations")
    assert "<h1>我的代理</h1>" in html and 'data-testid="give-form"' in html
    deputies = re.findall(r'<option value="([^"]+)"', html.split('name="to"', 1)[1].split("</select>", 1)[0])
    assert deputies == [COMMERCE, FINANCE_2, LEADER]  # same county, officials only, not oneself
    assert 'name="from" value="2024-09-27"' in html  # today, in Asia/Shanghai
    given = client.post("/me/delegations", data={"csrf_token": token, "to": FINANCE_2, "from": day(flow, 0),
                                                 "until": "2024-10-08", "note": "国庆休假"})
    assert given.status_code == 302, given.get_data(as_text=True)[:2000]
    html = page(client, "/me/delegations")
    assert "已委托 xp-finance-2 代理：2024年9月27日0时 至 2024年10月7日24时" in html
    [row] = rows(html, "given")
    assert FINANCE_2 in row and "国庆休假" in row and "代理中" in row and "财政部门" in row
    assert "2024年9月27日0时 至 2024年10月7日24时" in row  # 8 October is not covered
    assert 'data-testid="revoke-' in row and "data-confirm=" in row
    assert rows(html, "received") == []

    deputy, _ = logged_in(app, FINANCE_2)
    html = page(deputy, "/me/delegations")
    [row] = rows(html, "received")
    assert FINANCE in row and f'data-testid="act-for-{FINANCE}"' in row
    english = page(deputy, "/me/delegations?lang=en")
    assert "2024-09-27 00:00 to 2024-10-07 24:00" in english and "In force" in english


def test_a_refused_form_keeps_what_was_typed_and_says_why_in_the_pages_language(app: Any, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    client, token = logged_in(app, FINANCE)
    form = {"csrf_token": token, "to": FINANCE_2, "from": "2024-10-05", "until": "2024-10-03", "note": "出差培训"}
    empty = client.post("/me/delegations", data=form)
    html = empty.get_data(as_text=True)
    assert empty.status_code == 422 and 'data-field="until"' in html and "代理结束时间须晚于开始时间" in html
    assert 'value="出差培训"' in html and 'value="2024-10-05"' in html and 'value="2024-10-03"' in html
    assert f'<option value="{FINANCE_2}" selected>' in html
    english = client.post("/me/delegations?lang=en", data=form).get_data(as_text=True)
    assert "The period must end after it starts" in english
    to_self = client.post("/me/delegations?lang=zh", data={**form, "to": FINANCE, "until": "2024-10-10"})
    assert to_self.status_code == 422 and "不能委托本人代理" in to_self.get_data(as_text=True)
    nobody = client.post("/me/delegations", data={**form, "to": "", "until": "2024-10-1x"})
    html = nobody.get_data(as_text=True)
    assert nobody.status_code == 422 and "请选择代理人" in html and "请按 2026-12-10 的格式填写日期" in html
    assert flow.ok(flow.get("/me/delegations", FINANCE))["given"] == []

    flow.ok(delegate(flow, FINANCE, FINANCE_2), 201)
    twice = client.post("/me/delegations", data={**form, "to": COMMERCE, "from": "", "until": "2024-10-01"})
    html = twice.get_data(as_text=True)
    assert twice.status_code == 409 and "同一时段已有本人的代理委托，请先撤销" in html
    assert "本系统办理规则" in html and "SPEC" not in html and "§" not in html


def test_roles_that_cannot_delegate_see_the_tables_without_the_form(app: Any, flow: Flow) -> None:
    client, token = logged_in(app, CONTRACTOR_A)
    html = page(client, "/me/delegations")
    assert 'data-testid="give-form"' not in html and 'data-testid="given"' in html
    refused = client.post("/me/delegations", data={"csrf_token": token, "to": FINANCE, "until": "2024-10-10"})
    assert refused.status_code == 403
    assert "只有商务、财政部门人员和领导小组成员可以委托他人代理" in refused.get_data(as_text=True)


def test_the_principal_or_the_deputy_revokes_and_the_admin_sees_and_revokes_every_one(
        app: Any, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    flow.user(ADMIN_NAME, "admin", region="350000")
    first = flow.ok(delegate(flow, FINANCE, FINANCE_2, days=3), 201)
    client, token = logged_in(app, FINANCE)
    done = client.post(f"/me/delegations/{first['id']}/revoke", data={"csrf_token": token})
    assert done.status_code == 302
    html = page(client, "/me/delegations")
    [row] = rows(html, "given")
    assert "已撤销" in row and "data-testid=\"revoke-" not in row
    again = client.post(f"/me/delegations/{first['id']}/revoke", data={"csrf_token": token}, follow_redirects=True)
    assert "该代理委托已结束" in again.get_data(as_text=True)
    stranger, stranger_token = logged_in(app, COMMERCE)
    assert stranger.post(f"/me/delegations/{first['id']}/revoke",
                         data={"csrf_token": stranger_token}).status_code == 404

    second = flow.ok(flow.post("/me/delegations", {"to": FINANCE_2, "from": day(flow, 4), "until": day(flow, 6)},
                               FINANCE), 201)
    assert second["status"] == "scheduled"
    admin, admin_token = logged_in(app, ADMIN_NAME)
    assert 'href="/admin/delegations"' in page(admin, "/admin/users")
    html = page(admin, "/admin/delegations")
    listed = rows(html, "delegations")
    assert [re.search(r'data-delegation="(\d+)"', r).group(1) for r in listed] == [str(second["id"]), str(first["id"])]
    assert "未开始" in listed[0] and "已撤销" in listed[1]
    assert admin.post(f"/admin/delegations/{second['id']}/revoke", data={"csrf_token": admin_token}).status_code == 302
    assert flow.ok(flow.get("/me/delegations", FINANCE))["given"][0]["status"] == "revoked"
    assert client.get("/admin/delegations").status_code == 403
    assert client.post(f"/admin/delegations/{second['id']}/revoke", data={"csrf_token": token}).status_code == 403


def test_the_deputy_acts_for_the_principal_and_the_approval_names_both(app: Any, flow: Flow) -> None:
    first, second = verified(flow)
    flow.user(FINANCE_2, "finance")
    flow.ok(delegate(flow, FINANCE, FINANCE_2), 201)
    deputy, token = logged_in(app, FINANCE_2)
    desk = page(deputy, "/desk/finance")
    assert f'data-testid="acting-offer-{FINANCE}"' in desk and "以 xp-finance 的名义办理" in desk
    assert 'data-testid="acting-banner"' not in desk

    acting = deputy.post("/me/acting", data={"csrf_token": token, "principal": FINANCE})
    assert acting.status_code == 302
    shown = page(deputy, f"/payments/{first['id']}")
    assert "您正在代理 xp-finance（财政部门）办理" in shown and 'data-testid="acting-stop"' in shown
    assert 'class="who">xp-finance-2 · 财政部门' in shown  # the header names who is logged in
    assert "acting-offer" not in page(deputy, "/desk/finance")
    approved = deputy.post(f"/payments/{first['id']}/events", data={"csrf_token": token, "event": "approve"})
    assert approved.status_code == 302, approved.get_data(as_text=True)[:3000]
    assert flow.ok(flow.get(f"/payments/{first['id']}", FINANCE))["state"] == "approved"
    entry = [e for e in flow.audit_actions(first["project_id"]) if e["action"] == "payment.approve"][-1]
    assert entry["actor"]["username"] == FINANCE_2
    assert entry["on_behalf_of"]["username"] == FINANCE
    steps = page(deputy, f"/payments/{first['id']}").split('data-testid="steps"', 1)[1]
    assert 'xp-finance-2</span> · 财政部门 代 <span data-data data-testid="principal">xp-finance</span>' in steps
    inspector, _ = logged_in(app, INSPECTOR)
    audit = page(inspector, f"/audit/{entry['seq']}")
    assert 'xp-finance-2</span> · 财政部门 代 <span data-data data-testid="principal">xp-finance</span>' in audit
    # The deputy's own pages of delegation stay theirs: they give nothing in the principal's name.
    assert "正在以其名义办理" in page(deputy, "/me/delegations")

    stopped = deputy.post("/me/acting/stop", data={"csrf_token": token}, follow_redirects=True)
    assert "已退出代理，现在以本人名义办理" in stopped.get_data(as_text=True)
    assert "acting-banner" not in page(deputy, "/desk/finance")
    assert f'data-testid="queue-item-{second["id"]}"' in page(deputy, "/desk/finance")
    # Back in their own name, the deputy's approval on the page is theirs alone: the page chose no principal.
    own = deputy.post(f"/payments/{second['id']}/events", data={"csrf_token": token, "event": "approve"})
    assert own.status_code == 302, own.get_data(as_text=True)[:3000]
    entry = [e for e in flow.audit_actions(second["project_id"]) if e["action"] == "payment.approve"][-1]
    assert entry["actor"]["username"] == FINANCE_2 and entry["on_behalf_of"] is None


def test_acting_ends_when_the_delegation_does_and_nobody_acts_without_one(app: Any, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    flow.ok(delegate(flow, LEADER, FINANCE_2, days=2), 201)
    deputy, token = logged_in(app, FINANCE_2)
    assert deputy.post("/me/acting", data={"csrf_token": token, "principal": FINANCE}).status_code == 302
    assert "没有 xp-finance 的有效代理委托" in page(deputy, "/me/delegations")
    deputy.post("/me/acting", data={"csrf_token": token, "principal": LEADER})
    landed = deputy.get("/")
    assert landed.status_code == 302 and landed.headers["location"].endswith("/desk/leader")
    html = page(deputy, "/desk/leader")
    assert "您正在代理 xp-leader（领导小组）办理" in html and 'href="/desk/leader"' in html
    flow.set_clock(flow.clock.now() + timedelta(days=3))
    assert deputy.get("/").headers["location"].endswith("/desk/finance")  # back in own name
    assert "acting-banner" not in page(deputy, "/desk/finance")


def test_logging_out_ends_acting_for_a_principal(app: Any, flow: Flow) -> None:
    flow.user(FINANCE_2, "finance")
    flow.ok(delegate(flow, FINANCE, FINANCE_2), 201)
    deputy, token = logged_in(app, FINANCE_2)
    deputy.post("/me/acting", data={"csrf_token": token, "principal": FINANCE})
    with deputy.session_transaction() as stored:
        assert stored["acting_for"] == FINANCE
    html = page(deputy, "/desk/finance")
    assert deputy.post("/logout", data={"csrf_token": csrf_token(html)}).status_code == 302
    with deputy.session_transaction() as stored:
        assert "acting_for" not in stored
