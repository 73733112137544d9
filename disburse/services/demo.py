"""The embedded demo (``disburse demo``): one user per role and the transcribed seed plans.

The demo users hold the national root as region, so each sees every seed project; they share one
password, printed by the command. Running it again adds nothing that is already there.
"""

from pathlib import Path

import yaml

from disburse.adapters.db import Database
from disburse.domain.credit_code import check_char
from disburse.schemas.plan import load_plan
from disburse.services import projects, regions, users
from disburse.services.context import SYSTEM, Origin

PASSWORD = "disburse-demo"
CONTRACTOR = "91652929MA77KPDM1" + check_char("91652929MA77KPDM1")
USERS = [
    ("demo-commerce", "commerce", None),
    ("demo-finance", "finance", None),
    ("demo-leader", "leader", None),
    ("demo-supervisor", "supervisor", None),
    ("demo-inspector", "inspector", None),
    ("demo-contractor", "contractor", CONTRACTOR),
    ("demo-admin", "admin", None),
]


def prepare(db: Database, plans: list[Path], origin: Origin) -> None:
    """Regions, the demo users, and the seed plans as projects (once)."""
    regions.load_regions(db)
    for name, role, contractor in USERS:
        if users.actor_by_username(db, name) is None:
            users.create_user(db, name, role=role, region="000000", password=PASSWORD,
                              contractor=contractor, actor=SYSTEM, origin=origin)
    reader = users.actor_by_username(db, "demo-inspector")
    assert reader is not None
    if projects.list_projects(db, reader, per_page=1)["total"] == 0:
        for path in plans:
            plan, source = load_plan(yaml.safe_load(path.read_text(encoding="utf-8")))
            projects.create_project(db, SYSTEM, origin, plan, source)
