"""The ``disburse`` command line (SPEC §11.2): click commands that call services."""

import json
import logging
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, NoReturn

import click
import yaml
from marshmallow import ValidationError

from disburse.adapters.db import Database
from disburse.excel.plan import import_plan_workbook
from disburse.schemas import flatten_errors
from disburse.schemas.plan import load_plan
from disburse.services import audit, projects, regions, users
from disburse.services.context import SYSTEM, Actor, Origin
from disburse.services.errors import ServiceError
from disburse.settings import Settings

ORIGIN = Origin(request_id=None, client_addr="cli")


def _settings() -> Settings:
    settings = Settings.from_env()
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    return settings


def _db() -> Database:
    return Database(_settings().db_url)


@click.group()
def main() -> None:
    """disburse — county e-commerce demonstration projects from plan to final audit."""


# --- db / regions ---------------------------------------------------------------------------


@main.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema (Alembic)."""
    from disburse.adapters.migrations import upgrade

    settings = _settings()
    upgrade(settings.db_url)
    click.echo("schema is up to date")
    _sign_first_checkpoint(settings)


def _sign_first_checkpoint(settings: Settings) -> None:
    """A new installation does not run unsigned: the signing key and the first checkpoint (docs/audit-proofs.md §8)."""
    from disburse.clock import Clock
    from disburse.services import checkpoints

    had_key = settings.signing_key_path.exists()
    database = Database(settings.db_url)
    try:
        first = checkpoints.sign_first(database, settings, Clock().now())
    except (RuntimeError, ValueError) as exc:  # a key of another log, a broken log (BrokenLog), an invalid origin
        click.echo(f"the first audit checkpoint was not signed: {exc}", err=True)
        sys.exit(1)
    finally:
        database.dispose()
    if first is None:
        return
    if not had_key:
        click.echo(f"audit signing key made at {settings.signing_key_path} (keep it secret; docs/audit-proofs.md §3)")
    click.echo(f"first audit checkpoint signed: {first['size']} entries; give inspectors the verifier key of "
               "`disburse audit public-key`")


@main.group("regions")
def regions_group() -> None:
    """The national region list (GB/T 2260)."""


@regions_group.command("load")
def regions_load() -> None:
    """Load the bundled region list; running it again changes nothing."""
    added, updated = regions.load_regions(_db())
    click.echo(f"regions: {added} added, {updated} updated")


# --- users ----------------------------------------------------------------------------------


@main.group("users")
def users_group() -> None:
    """Users and their roles."""


@users_group.command("create")
@click.argument("name")
@click.option("--role", required=True, help="commerce, finance, leader, supervisor, inspector, contractor, admin")
@click.option("--region", required=True, help="GB/T 2260 code of the user's jurisdiction")
@click.option("--contractor", default=None, help="credit code of a contractor user's company")
@click.option("--email", default=None)
@click.option("--password", default=None, help="prompted for when not given")
def users_create(name: str, role: str, region: str, contractor: str | None, email: str | None,
                 password: str | None) -> None:
    """Create a user."""
    if password is None:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        user_id = users.create_user(_db(), name, role=role, region=region, password=password or "",
                                    contractor=contractor, email=email, actor=SYSTEM, origin=ORIGIN)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"user {name} created with id {user_id}")


# --- plans ----------------------------------------------------------------------------------


def _read_document(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)


def _load_plan_file(path: Path, overrides: dict[str, str | None] | None = None) -> tuple[Any, dict[str, Any]]:
    """A plan file: YAML or JSON, or an .xlsx workbook (docs/excel.md) that ``--name``, ``--region`` and
    ``--rule-set`` complete."""
    try:
        if path.suffix.lower() == ".xlsx":
            given = overrides or {}
            imported = import_plan_workbook(path.read_bytes(), name=given.get("name"), region=given.get("region"),
                                            rule_set=given.get("rule_set"))
            for message in (*imported.warnings, *imported.defaults):
                click.echo(f"{path}: {message}", err=True)
            if imported.untagged:
                cells = "、".join(imported.untagged)
                click.echo(f"{path}: {len(imported.untagged)} 行尚未选择资金用途：{cells}", err=True)
            return imported.plan, imported.source
        document = _read_document(path)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        click.echo(f"{path}: not a readable YAML/JSON document: {exc}", err=True)
        sys.exit(1)
    except ValidationError as exc:
        _invalid(path, exc)
    try:
        return load_plan(document)
    except ValidationError as exc:
        _invalid(path, exc)


def _invalid(path: Path, exc: ValidationError) -> NoReturn:
    click.echo(f"{path}: the plan is invalid:", err=True)
    for field, messages in flatten_errors(exc.messages).items():
        for message in messages:
            click.echo(f"  {field}: {message}", err=True)
    sys.exit(1)


def _workbook_options(command: Callable[..., None]) -> Callable[..., None]:
    """``--name``, ``--region``, ``--rule-set``: what a workbook with only the budget table lacks."""
    for flag, help_text in (("--rule-set", "the rule set, for an .xlsx without 项目信息"),
                            ("--region", "the county's 6-digit code, for an .xlsx without 项目信息"),
                            ("--name", "the project name, for an .xlsx without 项目信息")):
        command = click.option(flag, default=None, help=help_text)(command)
    return command


@main.group("plans")
def plans_group() -> None:
    """Plan documents (实施方案)."""


@plans_group.command("check")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_workbook_options
def plans_check(file: Path, name: str | None, region: str | None, rule_set: str | None) -> None:
    """Validate a plan file (.yaml, .json or .xlsx) against its rule set; print the unmet rules; exit 1 if any."""
    plan, _ = _load_plan_file(file, {"name": name, "region": region, "rule_set": rule_set})
    unmet = projects.check_plan_document(plan)
    for u in unmet:
        click.echo(f"UNMET {u.code}: {u.zh} / {u.en} [{u.clause}]")
    if unmet:
        click.echo(f"{file}: {len(unmet)} rule(s) unmet under {plan.rule_set}")
        sys.exit(1)
    click.echo(f"{file}: ok under {plan.rule_set} ({len(plan.lines)} lines, total {plan.total} yuan)")


@plans_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "as_user", default=None, help="the commerce user who creates the project")
@_workbook_options
def plans_import(file: Path, as_user: str | None, name: str | None, region: str | None,
                 rule_set: str | None) -> None:
    """Create a project in plan_drafted from a plan file (.yaml, .json or .xlsx); the last line printed is its id."""
    plan, source = _load_plan_file(file, {"name": name, "region": region, "rule_set": rule_set})
    database = _db()
    actor = _actor(database, as_user) if as_user else SYSTEM
    try:
        project_id = projects.create_project(database, actor, ORIGIN, plan, source)
    except ServiceError as exc:
        _fail(exc)
    click.echo(f"imported {file.name} as project {project_id} ({plan.name})")
    click.echo(str(project_id))


def _actor(database: Database, username: str) -> Actor:
    actor = users.actor_by_username(database, username)
    if actor is None:
        click.echo(f"no user {username!r}", err=True)
        sys.exit(1)
    return actor


# --- audit ----------------------------------------------------------------------------------


@main.group("audit")
def audit_group() -> None:
    """The tamper-evident audit log (SPEC §8)."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the hash chain and every signed checkpoint; exit 1 naming the first entry that breaks either.

    A checkpoint's signature is checked with the verifier keys `disburse audit public-key` prints;
    a checkpoint that does not verify is a failure too (exit 1, naming the checkpoint).
    """
    from disburse.services import checkpoints

    settings = _settings()
    report = audit.verify(Database(settings.db_url), checkpoints.public_keys(settings))
    if report.ok:
        signed = (f"{report.checkpoints} signed checkpoint(s) hold, the last of {report.covered} entries"
                  if report.checkpoints else "no signed checkpoint to check against: the hash chain alone")
        click.echo(f"ok: {report.entries} entries, head {report.head}; {signed}")
        return
    if report.first_broken is None:
        click.echo(f"BROKEN: {report.reason}")
    else:
        where = report.first_broken if report.first_broken_upto is None else \
            f"{report.first_broken}–{report.first_broken_upto}"
        click.echo(f"BROKEN at seq {where}: {report.reason} ({report.entries} entries verified before it)")
    sys.exit(1)


@audit_group.command("digest")
def audit_digest() -> None:
    """Print the head of the log: its size and last hash."""
    head = audit.digest(_db())
    click.echo(f"entries {head['entries']} head {head['head']} at {head['at']}")


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign a checkpoint of the log now (RFC 9162 tree head, C2SP note); print the note."""
    from disburse.clock import Clock
    from disburse.services import checkpoints

    settings = _settings()
    try:
        cp = checkpoints.checkpoint(Database(settings.db_url), checkpoints.signer(settings), Clock().now())
    except checkpoints.BrokenLog as exc:
        click.echo(f"NOT SIGNED: {exc}", err=True)
        sys.exit(1)
    click.echo(cp["note"], nl=False)


@audit_group.command("export")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def audit_export(directory: Path) -> None:
    """Write the log, its checkpoints and the public key for inspectors (docs/audit-proofs.md §5)."""
    from disburse.services import checkpoints

    settings = _settings()
    done = checkpoints.export(Database(settings.db_url), SYSTEM, directory, checkpoints.public_keys(settings))
    click.echo(f"{done['entries']} entries, {done['checkpoints']} checkpoints written to {directory}")


@audit_group.command("public-key")
def audit_public_key() -> None:
    """Print the verifier key lines inspectors use with tools/verify_audit.py; exit 1 if there is none.

    It makes no key: a key made here, on a machine without the signing key file, would be one no
    checkpoint was signed with (`disburse db upgrade` makes the first one, docs/audit-proofs.md §8).
    """
    from disburse.services import checkpoints

    settings = _settings()
    keys = checkpoints.public_keys(settings)
    if not keys:
        click.echo(f"no audit verifier key: no signing key at {settings.signing_key_path} and no "
                   "DISBURSE_AUDIT_PUBLIC_KEYS file listing one; run `disburse db upgrade` on a new "
                   "installation (it makes the key and signs the first checkpoint), or copy the key file here",
                   err=True)
        sys.exit(1)
    click.echo("\n".join(keys))


# --- public disclosure ----------------------------------------------------------------------


@main.group("public")
def public_group() -> None:
    """What the public sees (SPEC §9), as files."""


@public_group.command("ocds")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--uri", default="http://localhost/api/v1/public/ocds", show_default=True,
              help="Where the file will be published (the package's uri).")
def public_ocds(file: Path, uri: str) -> None:
    """Write every disclosed project's releases as one OCDS 1.1 release package (docs/ocds.md)."""
    from disburse.clock import Clock
    from disburse.services import ocds

    settings = _settings()
    package = ocds.bulk_package(Database(settings.db_url), ocid_prefix=settings.ocid_prefix,
                                publisher=settings.ocds_publisher, uri=uri, now=Clock().now())
    file.write_text(ocds.package_text(package), encoding="utf-8")
    click.echo(f"{len(package['releases'])} releases written to {file}")


# --- scheduler ------------------------------------------------------------------------------


@main.group("scheduler")
def scheduler_group() -> None:
    """The scheduler (SPEC §10): reminders, closing public notices, e-mail delivery."""


def _moment(_ctx: click.Context, _param: click.Parameter, value: str | None) -> datetime | None:
    from disburse.scheduler.jobs import parse_moment

    try:
        return None if value is None else parse_moment(value)
    except ValueError as exc:
        raise click.BadParameter(f"not an ISO 8601 time: {exc}") from exc


@scheduler_group.command("tick")
@click.option("--now", "now", default=None, metavar="ISO-TIME", callback=_moment,
              help="the moment to run at (ISO 8601; without an offset, Asia/Shanghai time); default: now")
def scheduler_tick(now: datetime | None) -> None:
    """Run, once, every job due at that moment; print what each did as JSON (-1: the job failed, exit 1)."""
    from disburse.clock import Clock
    from disburse.scheduler import jobs

    _configure_jobs()
    try:
        done = jobs.tick(now or Clock().now())
    finally:
        jobs.shutdown()
    click.echo(json.dumps(done, sort_keys=True))
    if any(count < 0 for count in done.values()):
        sys.exit(1)  # a job failed (its traceback is on stderr); the others ran


@scheduler_group.command("run")
@click.option("--exit-with-parent", is_flag=True, hidden=True,
              help="also stop when the process that started this one exits (used by `disburse serve`)")
def scheduler_run(exit_with_parent: bool) -> None:
    """Stand by until elected among all scheduler processes, then run the jobs until SIGTERM/SIGINT."""
    from disburse.scheduler import runner

    try:
        poll = runner.poll_seconds()
    except ValueError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    settings = _configure_jobs()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s [%(process)d] %(name)s: %(message)s")
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)  # errors only, not every run
    runner.run(settings, poll=poll, parent_pid=os.getppid() if exit_with_parent else None)


def _configure_jobs() -> Settings:
    from disburse.scheduler import jobs

    settings = _settings()
    try:
        jobs.configure(settings)
    except ValueError as exc:
        click.echo(f"DISBURSE_SMTP_URL: {exc}", err=True)
        sys.exit(2)
    return settings


# --- serving --------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
@click.option("--no-scheduler", is_flag=True, help="do not start `disburse scheduler run` beside the server")
def serve(host: str, port: int, workers: int, no_scheduler: bool) -> None:
    """Run the production WSGI server (gunicorn, several workers) and the scheduler."""
    from disburse.server import run

    if not (os.environ.get("DISBURSE_SECRET_KEY", "").strip() or os.environ.get("DISBURSE_DEMO") == "1"):
        click.echo("DISBURSE_SECRET_KEY is required to serve (or run `disburse demo`)", err=True)
        sys.exit(2)
    run(host, port, workers, scheduler=not no_scheduler)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int)
def demo(host: str, port: int, workers: int) -> None:
    """The embedded default: SQLite in the instance folder, a demo county in motion, its logins, the server."""
    from disburse.adapters.migrations import upgrade
    from disburse.server import run
    from disburse.services import demo as demo_service
    from disburse.services.documents_pdf import ROLE_ZH

    os.environ["DISBURSE_DEMO"] = "1"
    settings = _settings()
    upgrade(settings.db_url)
    _sign_first_checkpoint(settings)
    database = Database(settings.db_url)
    seeded = demo_service.prepare(database, ORIGIN, documents=settings.instance_path / "documents")
    logins = demo_service.logins(database)
    database.dispose()
    click.echo(f"disburse demo — database {settings.db_url}")
    click.echo("the demo county's projects were seeded now" if seeded else
               "the database already holds projects: no demo project added")
    click.echo(f"open http://{host}:{port}/ and log in as one of (password {demo_service.PASSWORD}):")
    for row in logins:
        role = f"{row['role']} {ROLE_ZH.get(row['role'], '')}"
        click.echo(f"  {row['username']:18} {role:16} {row['region_name']} {row['region']}  {row['waiting']}")
        if row["contractor"]:
            click.echo(f"  {'':18} credit code {row['contractor']} {row['contractor_name']}")
    sys.stdout.flush()
    run(host, port, workers)


def _fail(exc: ServiceError) -> None:
    click.echo(f"error: {exc.detail}", err=True)
    for field, messages in getattr(exc, "errors", {}).items():
        click.echo(f"  {field}: {'; '.join(messages)}", err=True)
    sys.exit(1)


if __name__ == "__main__":
    main()
