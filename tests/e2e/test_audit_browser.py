"""The audit trail browser's service: jurisdiction, filters, one entry (SPEC §6, §8; issue 7)."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from disburse.services import audit, users
from disburse.services.audit import local_day_start
from disburse.services.context import Origin
from disburse.services.errors import Forbidden, NotFound, Unauthorized
from tests.flow import COMMERCE, INSPECTOR, SUPERVISOR, Flow

OUTSIDER = "qj-inspector"  # an inspector of 曲靖市, Yunnan


def actions(page: dict[str, Any]) -> list[str]:
    return [e["action"] for e in page["items"]]


def test_an_inspector_reads_the_projects_and_users_of_its_jurisdiction_newest_first(flow: Flow) -> None:
    flow.user(OUTSIDER, "inspector", "530300")
    project = flow.tendered_project()
    inspector = users.actor_by_username(flow.db, INSPECTOR)
    outsider = users.actor_by_username(flow.db, OUTSIDER)
    assert inspector is not None and outsider is not None
    with pytest.raises(Unauthorized):
        users.authenticate(flow.db, COMMERCE, "wrong", Origin())
    seen = audit.browse(flow.db, inspector, per_page=200)
    seqs = [e["seq"] for e in seen["items"]]
    assert seqs == sorted(seqs, reverse=True) and seen["next"] is None and seen["newer"] is None
    assert {"project.create", "project.file", "project.open_tender", "auth.login", "auth.login_failed",
            "user.create"} <= set(actions(seen))
    assert all(e["actor"]["username"] != OUTSIDER for e in seen["items"])
    elsewhere = audit.browse(flow.db, outsider, per_page=200)
    assert all(e["project_id"] is None for e in elsewhere["items"])
    assert {e["actor"]["username"] for e in elsewhere["items"] if e["action"] == "auth.login"} <= {OUTSIDER}
    tendered = next(e["seq"] for e in seen["items"] if e["project_id"] == project["id"])
    assert audit.entry(flow.db, inspector, tendered)["action"] == "project.open_tender"
    with pytest.raises(NotFound):
        audit.entry(flow.db, outsider, tendered)


def test_the_filters_narrow_by_project_actor_action_prefix_and_beijing_dates(flow: Flow) -> None:
    project = flow.tendered_project()
    other = flow.create_project()
    inspector = users.actor_by_username(flow.db, SUPERVISOR)  # supervisors browse too
    assert inspector is not None
    mine = audit.browse(flow.db, inspector, project_id=project["id"])
    assert actions(mine) == ["project.open_tender", "allocation.record", "project.file", "project.create"]
    assert actions(audit.browse(flow.db, inspector, project_id=other["id"])) == ["project.create"]
    assert set(actions(audit.browse(flow.db, inspector, action="project."))) == {
        "project.create", "project.file", "project.open_tender"}
    assert actions(audit.browse(flow.db, inspector, action="project.f")) == ["project.file"]
    assert audit.browse(flow.db, inspector, action="project%")["items"] == []  # a prefix, not a pattern
    by_commerce = audit.browse(flow.db, inspector, username=COMMERCE, per_page=200)
    assert {e["actor"]["username"] for e in by_commerce["items"]} == {COMMERCE}
    beijing = datetime.fromisoformat(mine["items"][0]["at"]).astimezone(ZoneInfo("Asia/Shanghai")).date()
    assert local_day_start(beijing) <= datetime.fromisoformat(mine["items"][0]["at"])
    on = audit.browse(flow.db, inspector, project_id=project["id"], date_from=beijing, date_to=beijing)
    assert len(on["items"]) == 4
    assert not audit.browse(flow.db, inspector, project_id=project["id"], date_to=beijing - timedelta(days=1))["items"]
    assert not audit.browse(flow.db, inspector, project_id=project["id"], date_from=beijing + timedelta(days=1))[
        "items"]


def test_one_entry_links_to_the_previous_one_when_it_may_be_read(flow: Flow) -> None:
    project = flow.tendered_project()
    inspector = users.actor_by_username(flow.db, INSPECTOR)
    assert inspector is not None
    filed = audit.browse(flow.db, inspector, project_id=project["id"], action="project.open_tender")["items"][0]
    shown = audit.entry(flow.db, inspector, filed["seq"])
    assert shown["hash"] == filed["hash"] and shown["previous"] == filed["seq"] - 1
    assert audit.entry(flow.db, inspector, shown["previous"])["hash"] == shown["prev_hash"]
    assert audit.entry(flow.db, inspector, 1)["previous"] is None


def test_other_roles_may_not_browse_the_log(flow: Flow) -> None:
    commerce = users.actor_by_username(flow.db, COMMERCE)
    assert commerce is not None
    with pytest.raises(Forbidden):
        audit.browse(flow.db, commerce)
    with pytest.raises(Forbidden):
        audit.verify_as(flow.db, commerce)
