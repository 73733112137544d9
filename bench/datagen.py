"""Realistic bulk data for the benchmarks, written with SQLAlchemy Core ``insert()`` executemany.

Nothing goes through the service layer, but everything is valid: projects sit on real counties of
the ``regions`` table; projects with contracts are in ``contractor_selected`` or
``staged_acceptance``; every contract's advances that are disbursed or in flight stay within its
advance cap (so every payment state is consistent with its contract); every payment step was taken
by a different user of the right role; and the audit log is one correctly hash-chained log built
exactly as :mod:`disburse.adapters.audit_log` builds it (``entry_hash``/``canonical_json``/``GENESIS``),
so ``disburse audit verify`` passes on it.

Scale (full): 3 000 projects, 100 000 payments, 1 000 000 audit entries; ``Scale.quick()`` is a
tenth of that. Entries beyond those of projects and payments are logins (``auth.login``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select

from disburse.adapters import audit_log
from disburse.adapters.audit_log import region_levels
from disburse.adapters.db import Database
from disburse.adapters.migrations import upgrade
from disburse.adapters.orm import (
    AuditEntry,
    BudgetLine,
    Contract,
    ContractLine,
    Contractor,
    FundingSource,
    Payment,
    Project,
    Region,
    Target,
    TenderRound,
    User,
)
from disburse.domain.audit import GENESIS, canonical_json, entry_hash
from disburse.domain.credit_code import check_char
from disburse.domain.money import format_yuan
from disburse.services import regions

#: One Argon2 hash for every generated user (their password is never used by the bench).
PASSWORD_HASH = "$argon2id$v=19$m=8192,t=1,p=1$YmVuY2hzYWx0$ZmFrZWhhc2hmb3JiZW5jaG1hcms"
RULE_SET = "national-2020"
LINES = 4
LINE_AMOUNT = Decimal("2500000.00")
ADVANCE_SHARE = Decimal("0.30")
CHUNK = 5000
START = datetime(2024, 1, 2, 1, 0, tzinfo=UTC)
#: Project states in the generated mix; those with contracts come last.
EARLY_STATES = ("plan_drafted", "filed", "tendered")
PAYING_STATES = ("contractor_selected", "staged_acceptance")
#: Payment end states and their weights (the rest of each contract's advances are in flight).
PAYMENT_STATES = (("disbursed", 50), ("approved", 8), ("verified", 15), ("requested", 10),
                  ("rejected", 12), ("cancelled", 5))
STEP_COLUMN = {"verify": "verified_by", "approve": "approved_by", "disburse": "disbursed_by",
               "reject": "rejected_by"}
STEPS = {  # state -> the steps taken to reach it after the request
    "requested": (), "verified": ("verify",), "approved": ("verify", "approve"),
    "disbursed": ("verify", "approve", "disburse"), "rejected": ("reject",), "cancelled": ("cancel",),
}


@dataclass(frozen=True)
class Scale:
    """How much to generate."""

    projects: int = 3000
    payments: int = 100_000
    audit_entries: int = 1_000_000
    label: str = "full"

    @classmethod
    def quick(cls) -> Scale:
        return cls(300, 10_000, 100_000, "quick (a tenth of full)")

    def tenth(self) -> Scale:
        return Scale(max(self.projects // 10, 8), max(self.payments // 10, 80),
                     max(self.audit_entries // 10, 800), f"{self.label} / 10")


@dataclass
class Generated:
    """What was generated, and the ids the metrics need."""

    url: str
    scale: Scale
    projects: int = 0
    payments: int = 0
    audit_entries: int = 0
    #: username -> (user id, role, region code)
    users: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    #: verified payments ready for ``approve``, per project: {project_id: [payment ids]}
    verified_by_project: dict[int, list[int]] = field(default_factory=dict)
    #: project id -> county code, for projects with contracts
    paying_projects: dict[int, str] = field(default_factory=dict)
    #: province code with the most projects, and a prefecture of it with the most projects
    busy_province: str = ""
    busy_prefecture: str = ""
    busy_county: str = ""


class _Chain:
    """Builds audit entries in sequence order, hashed exactly as ``audit_log.append`` does."""

    def __init__(self, db: Database, start: datetime) -> None:
        self.db = db
        self.seq = 0
        self.prev = GENESIS
        self.at = start
        self.rows: list[dict[str, Any]] = []
        #: ("project" | "user", id) -> region code: each entry's jurisdiction, as ``audit_log.append`` finds it
        self.regions: dict[tuple[str, int], str] = {}

    def _region(self, actor: tuple[int | None, str, str] | None, entity_type: str | None, entity_id: object,
                project_id: int | None) -> str | None:
        if project_id is not None:
            return self.regions.get(("project", project_id))
        if entity_type == "user" and isinstance(entity_id, int) and ("user", entity_id) in self.regions:
            return self.regions[("user", entity_id)]
        return None if actor is None or actor[0] is None else self.regions.get(("user", actor[0]))

    def add(self, *, action: str, actor: tuple[int | None, str, str] | None, entity_type: str | None,
            entity_id: object, project_id: int | None = None, from_state: str | None = None,
            to_state: str | None = None, data: dict[str, Any] | None = None, note: str | None = None) -> None:
        self.seq += 1
        self.at += timedelta(microseconds=997)
        record: dict[str, Any] = {
            "seq": self.seq, "at": self.at,
            "actor_id": None if actor is None else actor[0],
            "actor_username": None if actor is None else actor[1],
            "actor_role": None if actor is None else actor[2],
            "action": action, "entity_type": entity_type,
            "entity_id": None if entity_id is None else str(entity_id),
            "project_id": project_id, "from_state": from_state, "to_state": to_state,
            "data": canonical_json(data or {}), "note": note,
            "request_id": f"bench-{self.seq:08d}", "client_addr": "10.0.0.1", "prev_hash": self.prev,
        }
        record["hash"] = self.prev = entry_hash(record)
        self.rows.append({**record, **region_levels(self._region(actor, entity_type, entity_id, project_id))})
        if len(self.rows) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            _insert(self.db, AuditEntry, self.rows)
            self.rows = []


def _insert(db: Database, model: Any, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk insert (executemany) in chunks, each chunk its own transaction."""
    for i in range(0, len(rows), CHUNK):
        with db.engine.begin() as conn:
            conn.execute(insert(model.__table__), list(rows[i:i + CHUNK]))


def _credit_code(n: int) -> str:
    base = f"91{n:015d}"[:17]
    return base + check_char(base)


def fresh_schema(url: str) -> Database:
    """Migrate the schema and load the regions (as ``disburse db upgrade`` and ``regions load`` do)."""
    upgrade(url)
    db = Database(url)
    regions.load_regions(db)
    return db


def generate(url: str, scale: Scale, seed: int = 20241122) -> Generated:
    """Fill a fresh, migrated database at ``url`` with ``scale`` data; returns what the bench needs."""
    rng = random.Random(seed)
    db = fresh_schema(url)
    out = Generated(url=url, scale=scale)
    try:
        _generate(db, scale, rng, out)
        with db.writing() as tx:
            audit_log.sync_head(tx.session)
            tx.commit()
    finally:
        db.dispose()
    return out


def _pick_counties(db: Database, rng: random.Random, n: int) -> list[tuple[str, str]]:
    """``n`` project counties (code, path), concentrated in a few provinces as real programmes are."""
    with db.reading() as tx:
        counties = tx.session.execute(select(Region.code, Region.path).where(Region.level == "county")
                                      .order_by(Region.code)).all()
    by_province: dict[str, list[tuple[str, str]]] = {}
    for code, path in counties:
        by_province.setdefault(path.split("/")[2], []).append((code, path))
    provinces = sorted(by_province)
    weights = [3.0 if i % 5 == 0 else 1.0 for i in range(len(provinces))]
    picked = []
    for _ in range(n):
        province = rng.choices(provinces, weights)[0]
        picked.append(rng.choice(by_province[province]))
    return picked


def _generate(db: Database, scale: Scale, rng: random.Random, out: Generated) -> None:
    chain = _Chain(db, START)
    counties = _pick_counties(db, rng, scale.projects)
    n_paying = int(scale.projects * 0.7)
    # --- users: per county commerce ×2 and finance ×2; per prefecture finance; per province
    # supervisor and inspector.
    user_rows: list[dict[str, Any]] = []

    def user(name: str, role: str, region: str) -> tuple[int, str, str]:
        uid = len(user_rows) + 1
        user_rows.append({"id": uid, "username": name, "password_hash": PASSWORD_HASH, "role": role,
                          "region_code": region, "active": True, "session_version": 1,
                          "created_at": chain.at})
        out.users[name] = (uid, role, region)
        chain.regions[("user", uid)] = region
        chain.add(action="user.create", actor=None, entity_type="user", entity_id=uid,
                  data={"username": name, "role": role, "region": region, "contractor": None})
        return uid, name, role

    county_users: dict[str, dict[str, tuple[int, str, str]]] = {}
    for code, path in sorted(set(counties)):
        _, province, prefecture = path.strip("/").split("/")[:3]
        county_users[code] = {r: user(f"{r}-{code}", r.rstrip("2"), code)
                              for r in ("commerce", "commerce2", "finance", "finance2")}
        for role, region in (("finance", prefecture), ("supervisor", province), ("inspector", province)):
            name = f"{role}-{region}"
            if name not in out.users:
                user(name, role, region)
    chain.flush()
    _insert(db, User, user_rows)

    # --- projects, lines, funding, targets, tender rounds, contractors, contracts
    projects, lines, funding, targets, rounds, contractors, contracts, clines = ([] for _ in range(8))
    contract_meta: list[tuple[int, int, str]] = []  # (contract id, project id, county)
    line_id = contract_id = 0
    total = LINE_AMOUNT * LINES
    for pid, (code, _path) in enumerate(counties, start=1):
        paying = pid <= n_paying
        state = rng.choice(PAYING_STATES) if paying else rng.choice(EARLY_STATES)
        commerce = county_users[code]["commerce"]
        name = f"{code}电子商务进农村综合示范项目（基准数据 {pid}）"
        projects.append({"id": pid, "region_code": code, "name": name, "doc_no": f"BENCH-{pid}",
                         "rule_set": RULE_SET, "total": total, "state": state, "previous_state": None,
                         "period_start": date(2024, 1, 1), "period_end": date(2025, 12, 31),
                         "subtotals": {}, "source": None, "created_by": commerce[0], "created_at": chain.at,
                         "updated_at": chain.at})
        funding.append({"project_id": pid, "position": 0, "source": "中央财政专项资金", "amount": total})
        targets.append({"project_id": pid, "position": 0, "name": "电商培训", "unit": "人次", "target": "3000"})
        chain.regions[("project", pid)] = code
        chain.add(action="project.create", actor=commerce, entity_type="project", entity_id=pid, project_id=pid,
                  to_state="plan_drafted", data={"name": name, "region": code, "rule_set": RULE_SET,
                                                 "total": format_yuan(total), "lines": LINES})
        first_line = line_id + 1
        for i in range(LINES):
            line_id += 1
            lines.append({"id": line_id, "project_id": pid, "position": i, "ref": str(i + 1),
                          "category": ("公共服务中心", "供应链", "物流", "培训")[i], "item": f"建设内容 {i + 1}",
                          "amount": LINE_AMOUNT, "tags": [], "responsible": [], "cooperating": []})
        history = ["plan_drafted", "filed", "tendered", "contractor_selected", "staged_acceptance"]
        for before, after in zip(history, history[1:], strict=False):
            if history.index(after) > history.index(state):
                break
            event = {"filed": "file", "tendered": "open_tender", "contractor_selected": "select_contractor",
                     "staged_acceptance": "start_acceptance"}[after]
            chain.add(action=f"project.{event}", actor=commerce, entity_type="project", entity_id=pid,
                      project_id=pid, from_state=before, to_state=after)
            if after == "tendered":
                rounds.append({"project_id": pid, "round": 1, "method": "open", "packaging": "by_item",
                               "announced_on": date(2024, 3, 1), "outcome": "open"})
        if not paying:
            continue
        for i in range(LINES):
            contract_id += 1
            contractors.append({"id": contract_id, "name": f"基准承办企业 {contract_id}",
                                "credit_code": _credit_code(contract_id), "region_code": code,
                                "declarations": {"independent_legal_person": True, "sound_accounting": True,
                                                 "no_violation_3y": True}, "declaration_documents": {}})
            contracts.append({"id": contract_id, "project_id": pid, "lot": f"标段{i + 1}",
                              "contractor_id": contract_id, "amount": LINE_AMOUNT, "signed_on": date(2024, 4, 1),
                              "advance_share": str(ADVANCE_SHARE), "final_share": "0.30",
                              "stages": [{"name": "阶段一", "share": "0.40"}], "created_at": chain.at,
                              "payee_bank": "中国农业银行", "payee_account": f"6228 4801 {contract_id:011d}"})
            clines.append({"contract_id": contract_id, "line_id": first_line + i})
            contract_meta.append((contract_id, pid, code))
        out.paying_projects[pid] = code
    chain.flush()
    for model, rows in ((Project, projects), (FundingSource, funding), (Target, targets),
                        (BudgetLine, lines), (TenderRound, rounds), (Contractor, contractors),
                        (Contract, contracts), (ContractLine, clines)):
        _insert(db, model, rows)
    out.projects = len(projects)

    # --- payments (advances, a few tens of thousands of yuan each, within every contract's cap)
    cap = (ADVANCE_SHARE * LINE_AMOUNT).quantize(Decimal("0.01"))
    states, weights = zip(*PAYMENT_STATES, strict=True)
    payments: list[dict[str, Any]] = []
    per_contract = [scale.payments // len(contract_meta)] * len(contract_meta)
    for i in range(scale.payments - sum(per_contract)):
        per_contract[i] += 1
    for (cid, pid, code), count in zip(contract_meta, per_contract, strict=True):
        people = county_users[code]
        committed = Decimal(0)
        for _ in range(count):
            amount = Decimal(rng.randrange(1000, 3000) * 10)
            state = rng.choices(states, weights)[0]
            if state not in ("rejected", "cancelled"):
                if committed + amount > cap:
                    state = "rejected"
                else:
                    committed += amount
            payments.append(_payment(len(payments) + 1, cid, pid, amount, state, people, chain))
            if state == "verified":
                out.verified_by_project.setdefault(pid, []).append(len(payments))
    chain.flush()
    _insert(db, Payment, payments)
    out.payments = len(payments)

    # --- the rest of the log: logins
    names = list(out.users)
    while chain.seq < scale.audit_entries:
        username = rng.choice(names)
        uid, role, _region = out.users[username]
        chain.add(action="auth.login", actor=(uid, username, role), entity_type="user", entity_id=uid)
    chain.flush()
    out.audit_entries = chain.seq
    _busiest(out, projects, counties)


def _payment(payment_id: int, cid: int, pid: int, amount: Decimal, state: str,
             people: dict[str, tuple[int, str, str]], chain: _Chain) -> dict[str, Any]:
    """One advance in ``state``, with its steps in the audit log, each by its own user."""
    requester, verifier = people["commerce"], people["commerce2"]
    approver, disburser = people["finance"], people["finance2"]
    row: dict[str, Any] = {"id": payment_id, "contract_id": cid, "project_id": pid, "kind": "advance",
                           "amount": amount, "acceptance_id": None, "state": state, "note": None,
                           "requested_by": requester[0], "verified_by": None, "approved_by": None,
                           "disbursed_by": None, "rejected_by": None, "voucher_no": None, "disbursed_on": None,
                           "created_at": chain.at}
    record = {"amount": format_yuan(amount), "kind": "advance", "contract_id": cid}
    chain.add(action="payment.request", actor=requester, entity_type="payment", entity_id=payment_id, project_id=pid,
              to_state="requested", data={"contract_id": cid, "kind": "advance", "amount": format_yuan(amount),
                                          "acceptance_id": None})
    current = "requested"
    for step in STEPS[state]:
        after, who, note = {"verify": ("verified", verifier, None), "approve": ("approved", approver, None),
                            "disburse": ("disbursed", disburser, None),
                            "reject": ("rejected", verifier, "材料不全"),
                            "cancel": ("cancelled", requester, None)}[step]
        data = dict(record)
        if step in STEP_COLUMN:
            row[STEP_COLUMN[step]] = who[0]
        if step == "disburse":
            row["voucher_no"], row["disbursed_on"] = f"PZ-{payment_id:07d}", date(2024, 6, 1)
            data.update(voucher_no=row["voucher_no"], disbursed_on="2024-06-01")
        chain.add(action=f"payment.{step}", actor=who, entity_type="payment", entity_id=payment_id, project_id=pid,
                  from_state=current, to_state=after, data=data, note=note)
        current = after
    row["updated_at"] = chain.at
    return row


def _busiest(out: Generated, projects: list[dict[str, Any]], counties: list[tuple[str, str]]) -> None:
    """The province, prefecture and county with the most projects (the dashboards' heavy users)."""
    def top(level: int, under: str) -> str:
        counts: dict[str, int] = {}
        for _code, path in counties:
            parts = path.strip("/").split("/")
            if under in parts and len(parts) > level:
                counts[parts[level]] = counts.get(parts[level], 0) + 1
        return max(counts, key=lambda k: (counts[k], k))
    out.busy_province = top(1, "000000")
    out.busy_prefecture = top(2, out.busy_province)
    out.busy_county = top(3, out.busy_prefecture)

