"""Walking seed 003's project through the API: users, the plan, the tender, contracts, acceptances.

A :class:`Flow` owns the app's clock (a :class:`ManualClock`, so a public notice can end on
cue) and the bearer tokens of the county's users; tokens are issued again after the clock moves,
so a token never outlives the time it was issued for.
"""

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from disburse.clock import ManualClock
from disburse.domain.credit_code import check_char
from tests.helpers import Tokens, example, make_user

COUNTY = "350921"  # 霞浦县, the stand-in for seed 003's XX县
CITY = "350900"  # 宁德市

#: 10:00 Beijing time on Friday 2024-09-27, the Friday before the National Day holiday.
PUBLISHED_AT = datetime(2024, 9, 27, 2, 0, tzinfo=UTC)
#: Five working days from 2024-09-28 by the official calendar: 09-29 (make-up day), 09-30, 10-08,
#: 10-09, 10-10; the notice ends at 24:00 Beijing time that day.
NOTICE_ENDS_ON = "2024-10-10"
NOTICE_ENDS_AT = datetime(2024, 10, 10, 16, 0, tzinfo=UTC)

COMMERCE = "xp-commerce"
LEADER = "xp-leader"
FINANCE = "xp-finance"
SUPERVISOR = "nd-supervisor"
INSPECTOR = "nd-inspector"
CONTRACTOR_A = "xp-contractor-a"
CONTRACTOR_B = "xp-contractor-b"

SCHEDULE: dict[str, Any] = {"advance": "0.30", "stages": [{"name": "阶段一", "share": "0.40"}], "final": "0.30"}
DECLARED: dict[str, bool] = {"independent_legal_person": True, "sound_accounting": True, "no_violation_3y": True}
TENDER: dict[str, str] = {"method": "open", "packaging": "by_item", "announced_on": "2024-09-02",
                          "reference": "XP-2024-ZB-01"}


def credit_code(base: str) -> str:
    """A valid unified social credit code from its first 17 characters (GB 32100-2015)."""
    return base + check_char(base)


def with_wrong_check_digit(code: str) -> str:
    right = code[-1]
    return code[:-1] + ("0" if right != "0" else "1")


CODE_A = credit_code("91350921MA32ABCD1")
CODE_B = credit_code("91350921MA32EFGH2")
CODE_C = credit_code("91350921MA32KLMN3")
NAME_A = "XX县电商物流服务有限公司"
NAME_B = "XX县农村电商培训有限公司"
NAME_C = "XX县供应链管理有限公司"
#: The contractors' bank accounts (issue 17: a payment is disbursed only to the account on the contract).
PAYEE_BANK = "中国农业银行霞浦县支行"
ACCOUNTS = {CODE_A: "6228 4801 2345 6789 012", CODE_B: "6228 4801 9876 5432 109", CODE_C: "6228 4801 5555 0000 333"}


def unmet_codes(resp: Any) -> list[str]:
    return [u["code"] for u in (resp.get_json() or {}).get("unmet", [])]


def public_address() -> str:
    """A client address no other test uses, so a per-address rate limit never leaks between tests."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


class Flow:
    """The county's users, its clock and the API calls of the workflows, on one app."""

    def __init__(self, app: Any, client: Any, start: datetime = PUBLISHED_AT) -> None:
        self.app = app
        self.client = client
        self.db = app.extensions["disburse.db"]
        self.clock = ManualClock(start)
        app.extensions["disburse.clock"] = self.clock
        self.user_ids: dict[str, int] = {}
        self._tokens = Tokens(client, self.clock)

    # --- users and time -------------------------------------------------------------------

    def user(self, name: str, role: str, region: str = COUNTY, contractor: str | None = None) -> int:
        self.user_ids[name] = make_user(self.db, name, role, region, contractor=contractor)
        return self.user_ids[name]

    def county_users(self) -> None:
        """Commerce, leader and finance of 霞浦县, supervisor and inspector of 宁德市, contractors A and B."""
        self.user(COMMERCE, "commerce")
        self.user(LEADER, "leader")
        self.user(FINANCE, "finance")
        self.user(SUPERVISOR, "supervisor", CITY)
        self.user(INSPECTOR, "inspector", CITY)
        self.user(CONTRACTOR_A, "contractor", contractor=CODE_A)
        self.user(CONTRACTOR_B, "contractor", contractor=CODE_B)

    def h(self, name: str) -> dict[str, str]:
        return self._tokens[name]

    def set_clock(self, when: datetime) -> None:
        self.clock.set(when)
        self._tokens.clear()

    def advance(self, delta: timedelta) -> None:
        self.set_clock(self.clock.now() + delta)

    def after_notice(self, acceptance: dict[str, Any]) -> None:
        """Move the clock one hour past the end of the acceptance's notice."""
        self.set_clock(datetime.fromisoformat(acceptance["notice"]["ends_at"]) + timedelta(hours=1))

    # --- HTTP -----------------------------------------------------------------------------

    def get(self, path: str, as_: str = COMMERCE) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.h(as_))

    def post(self, path: str, body: Any, as_: str = COMMERCE) -> Any:
        return self.client.post(f"/api/v1{path}", json=body, headers=self.h(as_))

    def delete(self, path: str, as_: str = COMMERCE) -> Any:
        return self.client.delete(f"/api/v1{path}", headers=self.h(as_))

    def ok(self, resp: Any, status: int = 200) -> dict[str, Any]:
        assert resp.status_code == status, (resp.status_code, resp.get_json())
        body: dict[str, Any] = resp.get_json()
        return body

    # --- projects -------------------------------------------------------------------------

    def create_project(self, as_: str = COMMERCE) -> dict[str, Any]:
        return self.ok(self.post("/projects", example("003"), as_), 201)

    def project(self, pid: int, as_: str = COMMERCE) -> dict[str, Any]:
        return self.ok(self.get(f"/projects/{pid}", as_))

    def fire(self, pid: int, event: str, as_: str = COMMERCE, **data: Any) -> Any:
        return self.post(f"/projects/{pid}/events", {"event": event, **data}, as_)

    def fire_ok(self, pid: int, event: str, as_: str = COMMERCE, **data: Any) -> dict[str, Any]:
        return self.ok(self.fire(pid, event, as_, **data))

    def tendered_project(self) -> dict[str, Any]:
        """Seed 003's plan created, filed, its funds arrived (seed 003 §5(1)4: 已到位), tendered by item."""
        pid = self.create_project()["id"]
        filed = self.fire_ok(pid, "file")
        self.funds_arrived(filed)
        project = self.fire_ok(pid, "open_tender", **TENDER)
        assert project["state"] == "tendered"
        return project

    def funds_arrived(self, project: dict[str, Any], doc_no: str = "X财外指〔2024〕X号", as_: str = FINANCE) -> None:
        """The finance bureau records every funding source of the plan as arrived."""
        for source in project["funding"]:
            self.ok(self.post(f"/projects/{project['id']}/allocations",
                              {"doc_no": doc_no, "source": source["source"], "amount": source["amount"],
                               "arrived_on": "2024-09-01"}, as_), 201)

    @staticmethod
    def plan_of(project: dict[str, Any], name: str = "003") -> dict[str, Any]:
        """Seed ``name``'s plan document with the project's line ids, as an edit or an amendment sends it."""
        plan = example(name)
        for line, shown in zip(plan["lines"], project["lines"], strict=True):
            line["id"] = shown["id"]
        return plan

    def audit_actions(self, pid: int, as_: str = INSPECTOR) -> list[dict[str, Any]]:
        """Every audit entry of the project, in log order, through all pages."""
        entries: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.ok(self.get(f"/projects/{pid}/audit?per_page=200&page={page}", as_))
            entries.extend(body["items"])
            if not body["items"] or len(entries) >= body["total"]:
                return entries
            page += 1

    # --- contracts ------------------------------------------------------------------------

    @staticmethod
    def contract_body(project: dict[str, Any], lines: list[int], amount: str, *, lot: str = "标段一",
                      code: str = CODE_A, name: str = NAME_A, declarations: dict[str, bool] | None = None,
                      schedule: dict[str, Any] | None = None) -> dict[str, Any]:
        """A contract on the project's lines by their 1-based position in the plan."""
        return {
            "lot": lot,
            "contractor": {"name": name, "credit_code": code, "region": COUNTY,
                           "declarations": dict(DECLARED if declarations is None else declarations)},
            "amount": amount,
            "signed_on": "2024-09-20",
            "line_ids": [project["lines"][n - 1]["id"] for n in lines],
            "schedule": schedule or SCHEDULE,
            "payee_bank": PAYEE_BANK, "payee_account": ACCOUNTS.get(code, "6228 4801 0000 0000 019"),
        }

    def add_contract(self, project: dict[str, Any], body: dict[str, Any], as_: str = COMMERCE) -> Any:
        return self.post(f"/projects/{project['id']}/contracts", body, as_)

    def contract_a(self, project: dict[str, Any]) -> dict[str, Any]:
        """Lines 1–2 (150万 + 500万) to contractor A for 650万."""
        body = self.contract_body(project, [1, 2], "6500000.00", lot="标段一")
        return self.ok(self.add_contract(project, body), 201)

    def contract_b(self, project: dict[str, Any]) -> dict[str, Any]:
        """Lines 3–5 (150万 + 100万 + 100万) to contractor B for 350万."""
        body = self.contract_body(project, [3, 4, 5], "3500000.00", lot="标段二", code=CODE_B, name=NAME_B)
        return self.ok(self.add_contract(project, body), 201)

    def selected_project(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """Seed 003 tendered, contracted to A and B, contractors selected."""
        project = self.tendered_project()
        a, b = self.contract_a(project), self.contract_b(project)
        project = self.fire_ok(project["id"], "select_contractor")
        assert project["state"] == "contractor_selected"
        return project, a, b

    # --- acceptances ----------------------------------------------------------------------

    def apply(self, contract: dict[str, Any], as_: str = COMMERCE, kind: str = "stage",
              stage: int | None = 1, **extra: Any) -> Any:
        body: dict[str, Any] = {"kind": kind, **extra}
        if kind == "stage":
            body["stage"] = stage
        return self.post(f"/contracts/{contract['id']}/acceptances", body, as_)

    def act(self, acceptance: dict[str, Any] | int, event: str, as_: str = COMMERCE, **data: Any) -> Any:
        aid = acceptance if isinstance(acceptance, int) else acceptance["id"]
        return self.post(f"/acceptances/{aid}/events", {"event": event, **data}, as_)

    def act_ok(self, acceptance: dict[str, Any] | int, event: str, as_: str = COMMERCE,
               **data: Any) -> dict[str, Any]:
        return self.ok(self.act(acceptance, event, as_, **data))

    def acceptance(self, aid: int, as_: str = COMMERCE) -> dict[str, Any]:
        return self.ok(self.get(f"/acceptances/{aid}", as_))

    def verdicts(self, project: dict[str, Any], contract: dict[str, Any], share: str = "0.40",
                 fail: frozenset[int] = frozenset(), acceptance: dict[str, Any] | None = None,
                 note: str | None = None) -> list[dict[str, Any]]:
        """A verdict for every line the acceptance covers (every line of the contract without one);
        accepted = share × line amount (0 for a failed line), a reduction (核减) noted with ``note``."""
        amounts = {line["id"]: Decimal(line["amount"]) for line in project["lines"]}
        scope = [line["line_id"] for line in acceptance["lines"]] if acceptance is not None else contract["line_ids"]
        out = []
        for line_id in scope:
            failed = line_id in fail
            accepted = Decimal(0) if failed else (amounts[line_id] * Decimal(share)).quantize(Decimal("0.01"))
            out.append({"line_id": line_id, "result": "fail" if failed else "pass",
                        "accepted_amount": f"{accepted:.2f}",
                        "note": "核减：按实际完成量核定" if note is None else note})
        return out

    def publish(self, acceptance: dict[str, Any] | int) -> dict[str, Any]:
        """The finance re-check where the project's rule set requires it (xx-2024), then the notice."""
        first = self.act(acceptance, "publish")
        if first.status_code == 200:
            return dict(first.get_json())
        assert "finance_recheck_required" in {u["code"] for u in first.get_json()["unmet"]}, first.get_json()
        self.act_ok(acceptance, "finance_recheck", FINANCE, note="经复核，评审结果属实")
        return self.act_ok(acceptance, "publish")

    def passed(self, project: dict[str, Any], contract: dict[str, Any], as_: str = CONTRACTOR_A,
               kind: str = "stage", share: str = "0.40") -> dict[str, Any]:
        """Applied (by ``as_``), reviewed and passed by commerce."""
        acceptance = self.ok(self.apply(contract, as_, kind), 201)
        self.act_ok(acceptance, "start_review")
        passed = self.act_ok(acceptance, "pass", verdicts=self.verdicts(project, contract, share))
        assert passed["state"] == "passed"
        return passed

    def in_notice(self, project: dict[str, Any], contract: dict[str, Any], as_: str = CONTRACTOR_A,
                  kind: str = "stage") -> dict[str, Any]:
        acceptance = self.publish(self.passed(project, contract, as_, kind))
        assert acceptance["state"] == "in_notice"
        return acceptance

    def object_to(self, acceptance: dict[str, Any], content: str = "验收材料与实际建设情况不符，请核查。",
                  contact: str = "13800000000", address: str | None = None, **extra: Any) -> Any:
        """A public objection to the acceptance's notice, without login."""
        return self.client.post(
            f"/api/v1/public/notices/{acceptance['notice']['id']}/objections",
            json={"contact": contact, "content": content, **extra},
            environ_base={"REMOTE_ADDR": address or public_address()},
        )
