"""The audit browser reads by page, not by log (issue 19): the jurisdiction stored on each entry, keyset
pages, the same statements at 10× the entries, and the same entries visible as before (SPEC §6, §8)."""

from typing import Any

import pytest
from alembic import command
from sqlalchemy import String, and_, cast, event, or_, select, text
from sqlalchemy.sql.elements import ColumnElement

from disburse.adapters import audit_log
from disburse.adapters.orm import AuditEntry, Project, Region, User
from disburse.adapters.regions import read_regions
from disburse.services import audit, users
from disburse.services.context import Actor, Origin
from disburse.services.errors import Unauthorized
from tests.flow import COMMERCE, INSPECTOR, SUPERVISOR, Flow
from tests.helpers import PASSWORD

PROVINCE_SUPERVISOR = "fj-supervisor"  # 福建省
COUNTY_INSPECTOR = "xp-inspector"  # 霞浦县
NATIONAL_INSPECTOR = "cn-inspector"
OUTSIDER = "qj-inspector"  # 曲靖市, Yunnan
READERS = (INSPECTOR, SUPERVISOR, PROVINCE_SUPERVISOR, COUNTY_INSPECTOR, NATIONAL_INSPECTOR, OUTSIDER)


def readers(flow: Flow) -> dict[str, Actor]:
    flow.user(PROVINCE_SUPERVISOR, "supervisor", "350000")
    flow.user(COUNTY_INSPECTOR, "inspector", "350921")
    flow.user(NATIONAL_INSPECTOR, "inspector", "000000")
    flow.user(OUTSIDER, "inspector", "530300")
    found = {name: users.actor_by_username(flow.db, name) for name in READERS}
    return {name: actor for name, actor in found.items() if actor is not None}


def grow(flow: Flow, project_id: int, n: int) -> None:
    """``n`` more entries in one transaction: payment steps of the project, logins of its county's desk."""
    commerce = users.actor_by_username(flow.db, COMMERCE)
    with flow.db.writing() as tx:
        for i in range(n):
            if i % 2:
                audit_log.append(tx.session, action="payment.approve", actor=commerce, entity_type="payment",
                                 entity_id=i, project_id=project_id, at=flow.clock.now())
            else:
                audit_log.append(tx.session, action="auth.login", actor=commerce, entity_type="user",
                                 entity_id=getattr(commerce, "id", None), at=flow.clock.now())
        tx.commit()


def web_login(flow: Flow, username: str) -> None:
    flow.app.config["WTF_CSRF_ENABLED"] = False
    assert flow.client.post("/login", data={"username": username, "password": PASSWORD}).status_code == 302


def statements_of(flow: Flow, path: str) -> list[str]:
    """The SQL statements one page of the browser UI issues, the user's session and the menu's counts included."""
    counted: list[str] = []

    def count(*args: Any) -> None:
        counted.append(args[2])

    engine = flow.db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        resp = flow.client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert resp.status_code == 200, (path, resp.status_code)
    return counted


def pages_of(flow: Flow, reader: Actor, project_id: int) -> dict[str, str]:
    seqs = [e["seq"] for e in audit.browse(flow.db, reader, per_page=100_000)["items"]]
    deep = seqs[int(len(seqs) * 0.9)]
    return {"first": "/audit", "filtered": f"/audit?action=payment.&project={project_id}",
            "by_actor": f"/audit?actor={COMMERCE}", "deep": f"/audit?before={deep}",
            "action": "/audit?action=payment.", "action_deep": f"/audit?action=auth.&before={deep}"}


def test_the_audit_pages_issue_the_same_statements_with_ten_times_the_entries(flow: Flow) -> None:
    project = flow.tendered_project()
    readers(flow)
    grow(flow, project["id"], 60)
    counts: dict[tuple[str, str], int] = {}
    for name in (INSPECTOR, PROVINCE_SUPERVISOR):
        reader = users.actor_by_username(flow.db, name)
        assert reader is not None
        web_login(flow, name)
        for kind, path in pages_of(flow, reader, project["id"]).items():
            issued = statements_of(flow, path)
            on_the_log = [s for s in issued if "audit_entries" in s]
            if kind.startswith("action"):  # the log's actions (a loose index scan), then one range per action
                assert "WITH RECURSIVE" in on_the_log.pop(0), (name, kind, on_the_log)
            assert len(on_the_log) == 1, (name, kind, on_the_log)  # one page read: no count, no second query
            assert "count(" not in on_the_log[0].lower()
            counts[name, kind] = len(issued)
    page_only = 8 if flow.db.engine.dialect.name == "sqlite" else 5
    assert {kind: n - kind.startswith("action") for (_, kind), n in counts.items()} == dict.fromkeys(
        pages_of(flow, reader, project["id"]), page_only), counts
    grow(flow, project["id"], 600)
    for name in (INSPECTOR, PROVINCE_SUPERVISOR):
        reader = users.actor_by_username(flow.db, name)
        assert reader is not None
        web_login(flow, name)
        for kind, path in pages_of(flow, reader, project["id"]).items():
            assert len(statements_of(flow, path)) == counts[name, kind], (name, kind, counts)


def test_keyset_pages_walk_the_whole_jurisdiction_older_and_newer_without_gaps(flow: Flow) -> None:
    project = flow.tendered_project()
    grow(flow, project["id"], 25)
    reader = readers(flow)[INSPECTOR]
    everything = [e["seq"] for e in audit.browse(flow.db, reader, per_page=100_000)["items"]]
    walked, cursor, pages = [], None, []
    while True:
        page = audit.browse(flow.db, reader, before=cursor, per_page=7)
        walked += [e["seq"] for e in page["items"]]
        pages.append(page)
        if page["next"] is None:
            break
        cursor = page["next"]
    assert walked == everything and len(pages) == -(-len(everything) // 7)
    assert pages[0]["newer"] is None and all(p["newer"] == p["items"][0]["seq"] for p in pages[1:])
    back = audit.browse(flow.db, reader, after=pages[2]["newer"], per_page=7)
    assert back["items"] == pages[1]["items"] and back["next"] == pages[1]["next"]
    assert audit.browse(flow.db, reader, after=pages[1]["newer"], per_page=7)["newer"] is None


def test_old_page_numbers_lead_to_the_newest_page_under_the_same_filters(flow: Flow) -> None:
    flow.tendered_project()
    web_login(flow, INSPECTOR)
    resp = flow.client.get("/audit?page=7&action=project.")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/audit?action=project.")
    html = flow.client.get("/audit?action=project.").get_data(as_text=True)
    assert '<input name="project"' in html and '<select name="project"' not in html  # typed, not every project


def _visible_before_issue_19(actor: Actor) -> ColumnElement[bool]:
    """The jurisdiction as ``browse`` read it before issue 19: subqueries over projects and users."""
    inside = Region.path.startswith(actor.region_path)
    projects_inside = select(Project.id).join(Region, Region.code == Project.region_code).where(inside)
    users_inside = select(User.id).join(Region, Region.code == User.region_code).where(inside)
    about_a_user_inside = and_(AuditEntry.entity_type == "user",
                               AuditEntry.entity_id.in_(select(cast(User.id, String))
                                                        .join(Region, Region.code == User.region_code)
                                                        .where(inside)))
    return or_(AuditEntry.project_id.in_(projects_inside),
               and_(AuditEntry.project_id.is_(None),
                    or_(AuditEntry.actor_id.in_(users_inside), about_a_user_inside)))


def test_every_reader_sees_the_entries_the_subqueries_of_before_showed(flow: Flow) -> None:
    project = flow.tendered_project()
    everyone = readers(flow)
    for name in (COMMERCE, "nobody-by-that-name"):
        with pytest.raises(Unauthorized):
            users.authenticate(flow.db, name, "wrong", Origin())
    grow(flow, project["id"], 10)
    for name, reader in everyone.items():
        with flow.db.reading() as tx:
            expected = list(tx.session.scalars(select(AuditEntry.seq).where(_visible_before_issue_19(reader))
                                               .order_by(AuditEntry.seq.desc())))
        shown = [e["seq"] for e in audit.browse(flow.db, reader, per_page=100_000)["items"]]
        assert shown == expected, name
        for seq in expected[:3]:
            assert audit.entry(flow.db, reader, seq)["seq"] == seq


def test_the_region_codes_of_the_bundled_list_carry_their_ancestors() -> None:
    for region in read_regions():
        levels = audit_log.region_levels(region.code)
        ancestors = region.path.strip("/").split("/")[1:]
        assert [levels[k] for k in ("province_code", "prefecture_code", "county_code")][:len(ancestors)] == ancestors
        assert all(v is None for v in [levels[k] for k in ("province_code", "prefecture_code", "county_code")]
                   [len(ancestors):])


JURISDICTION = "SELECT seq, region_code, province_code, prefecture_code, county_code FROM audit_entries ORDER BY seq"


def test_the_migration_fills_the_jurisdiction_of_existing_entries_as_append_stores_it(
        flow: Flow, database_url: str) -> None:
    from disburse.adapters.migrations import alembic_config, upgrade

    project = flow.tendered_project()
    readers(flow)
    with pytest.raises(Unauthorized):
        users.authenticate(flow.db, "nobody-by-that-name", "wrong", Origin())
    grow(flow, project["id"], 4)
    with flow.db.engine.connect() as conn:
        appended = [tuple(r) for r in conn.execute(text(JURISDICTION))]
    assert any(r[1] is None for r in appended) and any(r[4] == "350921" for r in appended)
    assert any(r[1] == "000000" for r in appended)
    flow.db.dispose()
    command.downgrade(alembic_config(database_url), "0014")
    upgrade(database_url)
    with flow.db.engine.connect() as conn:
        assert [tuple(r) for r in conn.execute(text(JURISDICTION))] == appended
    with pytest.raises(Exception, match="append-only"), flow.db.engine.begin() as conn:
        conn.execute(text("UPDATE audit_entries SET region_code = NULL"))  # the trigger is back
    assert audit.verify(flow.db).ok


def test_an_action_filter_pages_through_exactly_the_entries_of_its_prefix(flow: Flow) -> None:
    """The action filter reads one index range per action of the prefix and merges them: the same entries,
    in the same order, page after page, as filtering the whole jurisdiction's list."""
    project = flow.tendered_project()
    grow(flow, project["id"], 30)
    reader = readers(flow)[INSPECTOR]
    everything = audit.browse(flow.db, reader, per_page=100_000)["items"]
    for prefix in ("payment.", "auth.", "project.", "p", "", "nothing."):
        expected = [e["seq"] for e in everything if e["action"].startswith(prefix)]
        walked, cursor = [], None
        while True:
            page = audit.browse(flow.db, reader, action=prefix or None, before=cursor, per_page=6)
            walked += [e["seq"] for e in page["items"]]
            if page["next"] is None:
                break
            cursor = page["next"]
        assert walked == expected, prefix
        if len(expected) > 12:
            newer = audit.browse(flow.db, reader, action=prefix or None, after=expected[12], per_page=6)
            assert [e["seq"] for e in newer["items"]] == expected[6:12], prefix
