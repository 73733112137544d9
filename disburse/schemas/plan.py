"""The plan document (SPEC §11.3): a YAML/JSON file, or the ``POST /projects`` body."""

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from disburse.adapters import rulesets
from disburse.domain.money import UNITS, MoneyError, format_yuan, parse_money
from disburse.domain.plan import BudgetLine, FundingSource, Phase, Plan, Target
from disburse.schemas.fields import DateField, MoneyField, QuantityField

REGION_CODE = re.compile(r"^\d{6}$")


class FundingSchema(Schema):
    source = fields.String(required=True, validate=validate.Length(min=1, max=255))
    amount = MoneyField(required=True)
    note = fields.String(load_default=None, allow_none=True)
    predecessor = fields.Integer(load_default=None, allow_none=True, strict=True,
                                 metadata={"description": "id of the project whose surplus funds this (续建)"})


class PeriodSchema(Schema):
    start = DateField(required=True)
    end = DateField(required=True)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["end"] < data["start"]:
            raise ValidationError("end is before start (结束日期早于开始日期)", "end")


class PhaseSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    start = DateField(load_default=None, allow_none=True)
    end = DateField(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)

    @validates_schema
    def _ordered(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError("end is before start (结束日期早于开始日期)", "end")


class LineSchema(Schema):
    #: a line kept from the plan being edited or amended (its id as ``GET /projects/{id}`` shows it); a line
    #: without an id is new, and a line of that plan left out of the document is removed
    id = fields.Integer(load_default=None, allow_none=True, strict=True)
    ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=16))
    category = fields.String(required=True, validate=validate.Length(min=1, max=255))
    item = fields.String(required=True, validate=validate.Length(min=1))
    amount = MoneyField(load_default=None, allow_none=True)
    #: a draft may leave a line untagged; ``file`` is refused until every line is tagged (issue 16, 18)
    tags = fields.List(fields.String(), load_default=list)
    responsible = fields.List(fields.String(), load_default=list)
    cooperating = fields.List(fields.String(), load_default=list)
    deadline = DateField(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    #: a line with more than one share-relevant tag declares how its amount splits between them (issue 17)
    split = fields.Dict(keys=fields.String(validate=validate.Length(max=64)), values=MoneyField(),
                        load_default=None, allow_none=True, validate=validate.Length(max=16))


class TargetSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    unit = fields.String(load_default=None, allow_none=True)
    target = QuantityField(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)


class SourceSchema(Schema):
    seed = fields.String(load_default=None)
    sections = fields.List(fields.String(), load_default=list)
    note = fields.String(load_default=None)


class PlanSchema(Schema):
    """Validates a plan document and loads it as a :class:`~disburse.domain.plan.Plan`."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=255))
    doc_no = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=128))
    region = fields.String(required=True, validate=validate.Regexp(REGION_CODE, error="a 6-digit GB/T 2260 code"))
    rule_set = fields.String(required=True)
    rule_version = fields.Integer(load_default=None, allow_none=True, strict=True,
                                  metadata={"description": "a version of the rule set kept in config/rules; "
                                                           "default: the current one"})
    unit = fields.String(load_default="元", validate=validate.OneOf(list(UNITS)))
    total = MoneyField(required=True)
    funding = fields.List(fields.Nested(FundingSchema), load_default=list)
    period = fields.Nested(PeriodSchema, load_default=None, allow_none=True)
    phases = fields.List(fields.Nested(PhaseSchema), load_default=list)
    subtotals = fields.Dict(keys=fields.String(), values=MoneyField(), load_default=dict)
    lines = fields.List(fields.Nested(LineSchema), required=True, validate=validate.Length(min=1))
    targets = fields.List(fields.Nested(TargetSchema), load_default=list)
    source = fields.Nested(SourceSchema, load_default=None, allow_none=True)

    @validates_schema
    def _rule_set_and_tags(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["rule_set"] not in rulesets.available():
            raise ValidationError(
                f"unknown rule set {data['rule_set']!r}; available: {', '.join(rulesets.available())}",
                "rule_set",
            )
        vocabulary = rulesets.load(data["rule_set"]).vocabulary()
        errors: dict[str, Any] = {}
        for i, line in enumerate(data.get("lines", [])):
            unknown = [t for t in line["tags"] if t not in vocabulary]
            if unknown:
                errors[str(i)] = {"tags": [f"unknown tag(s) {unknown}; allowed: {sorted(vocabulary)}"]}
        if errors:
            raise ValidationError({"lines": errors})

    @post_load
    def _to_plan(self, data: dict[str, Any], **kwargs: Any) -> Plan:
        unit = data["unit"]
        errors: dict[str, Any] = {}

        def money(value: Decimal | None, *path: str) -> Decimal | None:
            if value is None:
                return None
            try:
                return parse_money(value, unit)
            except MoneyError as exc:
                node = errors
                for key in path[:-1]:
                    node = node.setdefault(key, {})
                node[path[-1]] = [str(exc)]
                return Decimal(0)

        total = money(data["total"], "total") or Decimal(0)
        if total <= 0 and "total" not in errors:
            errors["total"] = ["the total must be more than zero (总投资须大于零)"]
        funding = tuple(
            FundingSource(f["source"], money(f["amount"], "funding", str(i), "amount") or Decimal(0), f["note"],
                          f["predecessor"])
            for i, f in enumerate(data["funding"])
        )
        lines = tuple(
            BudgetLine(
                category=line["category"],
                item=line["item"],
                amount=money(line["amount"], "lines", str(i), "amount"),
                tags=tuple(line["tags"]),
                ref=line["ref"],
                responsible=tuple(line["responsible"]),
                cooperating=tuple(line["cooperating"]),
                deadline=line["deadline"],
                note=line["note"],
                id=line["id"],
                split=None if not line.get("split") else {
                    tag: money(part, "lines", str(i), "split") or Decimal(0) for tag, part in line["split"].items()},
            )
            for i, line in enumerate(data["lines"])
        )
        for i, line in enumerate(lines):
            if line.amount is not None and line.amount < 0:
                errors.setdefault("lines", {}).setdefault(str(i), {})["amount"] = ["must not be negative"]
        subtotals = {k: money(v, "subtotals", k) or Decimal(0) for k, v in data["subtotals"].items()}
        if errors:
            raise ValidationError(errors)
        period = data.get("period") or {}
        return Plan(
            name=data["name"],
            region=data["region"],
            rule_set=data["rule_set"],
            rule_version=data["rule_version"],
            total=total,
            doc_no=data["doc_no"],
            funding=funding,
            period_start=period.get("start"),
            period_end=period.get("end"),
            phases=tuple(Phase(p["name"], p["start"], p["end"], p["note"]) for p in data["phases"]),
            lines=lines,
            subtotals=subtotals,
            targets=tuple(Target(t["name"], t["target"], t["unit"], t["note"]) for t in data["targets"]),
        )


def jsonable(value: Any) -> Any:
    """YAML gives dates as objects; the schema reads them as ISO strings like JSON does."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def load_plan(document: Any) -> tuple[Plan, dict[str, Any]]:
    """Validate a plan document; return the plan and the document's ``source`` note.

    Raises :class:`marshmallow.ValidationError` with field errors.
    """
    if not isinstance(document, dict):
        raise ValidationError({"_schema": ["a plan document is a mapping of fields (方案须为键值结构)"]})
    document = jsonable(document)
    plan = PlanSchema().load(document)
    return plan, document.get("source") or {}


def dump_plan(plan: Plan) -> dict[str, Any]:
    """The plan as a document in yuan (SPEC §11.3), lines with their ids: what a version keeps and what
    :func:`load_plan` reads back to the same plan."""

    def money(value: Decimal | None) -> str | None:
        return None if value is None else format_yuan(value)

    def day(value: date | None) -> str | None:
        return None if value is None else value.isoformat()

    document: dict[str, Any] = {
        "name": plan.name, "doc_no": plan.doc_no, "region": plan.region, "rule_set": plan.rule_set,
        "rule_version": plan.rule_version, "unit": "元", "total": money(plan.total),
        "funding": [{"source": f.source, "amount": money(f.amount), "note": f.note, "predecessor": f.predecessor}
                    for f in plan.funding],
        "period": None if plan.period_start is None or plan.period_end is None else
        {"start": day(plan.period_start), "end": day(plan.period_end)},
        "phases": [{"name": p.name, "start": day(p.start), "end": day(p.end), "note": p.note} for p in plan.phases],
        "subtotals": {k: money(v) for k, v in plan.subtotals.items()},
        "lines": [{"id": line.id, "ref": line.ref, "category": line.category, "item": line.item,
                   "amount": money(line.amount), "tags": list(line.tags), "responsible": list(line.responsible),
                   "cooperating": list(line.cooperating), "deadline": day(line.deadline), "note": line.note,
                   **({"split": {t: money(a) for t, a in line.split.items()}} if line.split else {})}
                  for line in plan.lines],
        "targets": [{"name": t.name, "unit": t.unit, "target": t.target, "note": t.note} for t in plan.targets],
    }
    return document
