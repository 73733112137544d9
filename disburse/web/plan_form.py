"""The plan as a form (issue 18 item 1): what the official types, read into the plan document the API takes.

The form's fields are named after the document's (``name``, ``lines-3-amount``, ``lines-3-tags`` …); they are
read as typed into *values* (strings, kept to show again), and the values into the same document dict
``POST /projects`` and ``PUT /projects/{id}/plan`` receive, loaded by :func:`disburse.schemas.plan.load_plan`.
Amounts are typed in the unit the form's switch names (万元 or 元): the document carries that ``unit`` and the
schema converts exactly to the fen, refusing more precision than a fen (docs/decisions.md, "The plan as a form").
A row left wholly empty is no row (a form without scripts offers spare rows; a removed row is gone).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from disburse.adapters import rulesets
from disburse.domain.money import UNITS, MoneyError, normalise_typed, parse_money
from disburse.domain.plan import Plan
from disburse.schemas import flatten_errors
from disburse.schemas.plan import load_plan
from disburse.services.plan_checks import Check, filing_clause, plan_checks
from disburse.web.i18n import lang, wan, yuan

#: The sections of rows and the fields of each row the official types.
ROW_FIELDS = {
    "funding": ("source", "amount", "note", "predecessor"),
    "phases": ("name", "start", "end", "note"),
    "lines": ("id", "ref", "category", "item", "amount", "responsible", "cooperating", "deadline", "note",
              "tag_order"),
    "targets": ("name", "target", "unit", "note"),
    "subtotals": ("category", "yuan"),
}
#: Fields of a row that make it a row when typed (hidden ones, such as a line's id, do not).
TYPED = {
    "funding": ("source", "amount", "note"),
    "phases": ("name", "start", "end", "note"),
    "lines": ("category", "item", "amount", "responsible", "deadline", "note"),
    "targets": ("name", "target", "unit", "note"),
    "subtotals": ("category", "yuan"),
}
#: The units an amount is typed in, as the reader's language names them.
UNIT_LABELS = {"万元": lambda: _("万元"), "元": lambda: _("元")}
#: Spare rows a form shows after the typed ones, for a browser without scripts.
SPARE = {"funding": 1, "phases": 1, "lines": 2, "targets": 1}
_LIST_SEPARATORS = re.compile(r"[、，,；;\n]+")
_ROW_KEY = re.compile(r"^(funding|phases|lines|targets|subtotals)-(\d+)-(\w+)$")
#: a schema's message: ``English (中文)``
_BILINGUAL = re.compile(r"^(?P<en>[^\u4e00-\u9fff]+?)\s*[（(](?P<zh>[^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]\s*$",
                        re.S)
#: marshmallow's own messages for a field left empty
_GENERIC = {"Missing data for required field.", "Field may not be null.", "Shorter than minimum length 1."}


@dataclass
class Values:
    """The form as typed: strings, rows in order, a line's tags as chosen."""

    fields: dict[str, str] = field(default_factory=dict)
    rows: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    tags: list[list[str]] = field(default_factory=list)
    split: list[dict[str, str]] = field(default_factory=list)

    @property
    def unit(self) -> str:
        return self.fields.get("unit") or "万元"

    @property
    def rule_set(self) -> str:
        return self.fields.get("rule_set") or ""


def read(form: MultiDict[str, str]) -> Values:
    """The posted form as typed; empty rows dropped, rows renumbered in the order they came."""
    values = Values(fields={key: (form.get(key) or "").strip()
                            for key in ("name", "doc_no", "region", "rule_set", "rule_version", "pinned_rule_set",
                                        "unit", "total", "period_start", "period_end")})
    if values.fields["unit"] not in UNITS:
        values.fields["unit"] = "万元"
    seen: dict[str, list[int]] = {section: [] for section in ROW_FIELDS}
    for key in form:
        m = _ROW_KEY.match(key)
        if m and int(m.group(2)) not in seen[m.group(1)]:
            seen[m.group(1)].append(int(m.group(2)))
    for section, numbers in seen.items():
        rows = []
        for n in sorted(numbers):
            row = {name: (form.get(f"{section}-{n}-{name}") or "").strip() for name in ROW_FIELDS[section]}
            tags = form.getlist(f"{section}-{n}-tags") if section == "lines" else []
            if not any(row[name] for name in TYPED[section]) and not tags:
                continue
            rows.append(row)
            if section == "lines":
                values.tags.append(_in_plan_order([t for t in tags if t], row["tag_order"].split()))
                values.split.append({tag: (form.get(f"lines-{n}-split-{tag}") or "").strip()
                                     for tag in tags if form.get(f"lines-{n}-split-{tag}")})
        values.rows[section] = rows
    return values


def _in_plan_order(tags: list[str], order: list[str]) -> list[str]:
    """A line's tags as chosen, those it had in the order the plan gave them (the boxes stand in the rule set's
    order), new ones after: ticking nothing new changes nothing, so an amendment shows no change there."""
    return sorted(tags, key=lambda tag: order.index(tag) if tag in order else len(order))


def from_document(document: dict[str, Any]) -> Values:
    """A plan document (in yuan, as :func:`~disburse.schemas.plan.dump_plan` writes it) as the form shows it.

    The amounts are shown in 万元 when every one is a whole 百元 (what the counties' tables print, e.g.
    ``22.5``), in 元 otherwise, so no amount is shown with a long tail of decimals; thousands are grouped."""
    amounts = [document.get("total")] + [f.get("amount") for f in document.get("funding") or []] + \
        [line.get("amount") for line in document.get("lines") or []]
    unit = "万元" if all(Decimal(a) % 100 == 0 for a in amounts if a) else "元"
    period = document.get("period") or {}

    def money(value: Any) -> str:
        return "" if value in (None, "") else in_unit(Decimal(str(value)), unit, grouped=True)

    def text(value: Any) -> str:
        return "" if value is None else str(value)

    values = Values(fields={
        "name": text(document.get("name")), "doc_no": text(document.get("doc_no")),
        "region": text(document.get("region")), "rule_set": text(document.get("rule_set")),
        "rule_version": text(document.get("rule_version")), "pinned_rule_set": text(document.get("rule_set")),
        "unit": unit, "total": money(document.get("total")),
        "period_start": text(period.get("start")), "period_end": text(period.get("end"))})
    values.rows["funding"] = [{"source": text(f.get("source")), "amount": money(f.get("amount")),
                               "note": text(f.get("note")), "predecessor": text(f.get("predecessor"))}
                              for f in document.get("funding") or []]
    values.rows["phases"] = [{name: text(p.get(name)) for name in ROW_FIELDS["phases"]}
                             for p in document.get("phases") or []]
    values.rows["targets"] = [{name: text(t.get(name)) for name in ROW_FIELDS["targets"]}
                              for t in document.get("targets") or []]
    values.rows["subtotals"] = [{"category": k, "yuan": text(v)} for k, v in (document.get("subtotals") or {}).items()]
    values.rows["lines"] = []
    for line in document.get("lines") or []:
        values.rows["lines"].append({
            "id": text(line.get("id")), "ref": text(line.get("ref")), "category": text(line.get("category")),
            "item": text(line.get("item")), "amount": money(line.get("amount")),
            "responsible": "、".join(line.get("responsible") or []),
            "cooperating": "、".join(line.get("cooperating") or []), "deadline": text(line.get("deadline")),
            "note": text(line.get("note")), "tag_order": " ".join(line.get("tags") or [])})
        values.tags.append(list(line.get("tags") or []))
        values.split.append({tag: text(part) for tag, part in (line.get("split") or {}).items()})
    return values


def in_unit(yuan: Decimal, unit: str, *, grouped: bool = False) -> str:
    """An amount in yuan written in ``unit``, exactly (a fen is 0.000001 万元), without trailing zeros; with
    thousands separators when ``grouped`` (for the eye: the form reads them back)."""
    shown = (yuan / UNITS[unit]).normalize()
    return f"{shown:,f}" if grouped else f"{shown:f}"


def to_document(values: Values, errors: dict[str, list[str]]) -> dict[str, Any]:
    """The plan document the API takes, from the values; an amount that is not one is refused here, in the
    reader's language, with what the unit allows (the schema would refuse it too, in its own words)."""
    unit = values.unit

    def money(text: str, key: str) -> str | None:
        plain = normalise_typed(text)
        if not plain:
            return None
        try:
            parse_money(plain, unit)
        except MoneyError:
            errors[key] = [_("金额应为数字，单位%(unit)s，最多%(n)s位小数（精确到分）", unit=UNIT_LABELS[unit](),
                             n=6 if unit == "万元" else 2)]
        return plain

    def yuan(text: str) -> str:
        return in_unit(Decimal(text), unit) if re.fullmatch(r"\d+(\.\d+)?", text) else text

    def listed(text: str) -> list[str]:
        return [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]

    def optional(text: str) -> str | None:
        return text or None

    def number(text: str) -> int | str | None:
        return int(text) if text.isdigit() else optional(text)

    f = values.fields
    document: dict[str, Any] = {
        "name": f["name"], "doc_no": optional(f["doc_no"]), "region": f["region"], "rule_set": f["rule_set"],
        # the version a draft is pinned to holds while its rule set stays; another rule set is taken as it is now
        "rule_version": number(f["rule_version"]) if f["rule_set"] == f["pinned_rule_set"] else None,
        "unit": unit, "total": money(f["total"], "total"),
        "period": None if not (f["period_start"] or f["period_end"]) else
        {"start": f["period_start"], "end": f["period_end"]},
    }
    document["funding"] = [{"source": r["source"], "amount": money(r["amount"], f"funding.{i}.amount"),
                            "note": optional(r["note"]), "predecessor": number(r["predecessor"])}
                           for i, r in enumerate(values.rows.get("funding", []))]
    document["phases"] = [{"name": r["name"], "start": optional(r["start"]), "end": optional(r["end"]),
                           "note": optional(r["note"])} for r in values.rows.get("phases", [])]
    document["targets"] = [{"name": r["name"], "target": optional(r["target"]), "unit": optional(r["unit"]),
                            "note": optional(r["note"])} for r in values.rows.get("targets", [])]
    document["subtotals"] = {r["category"]: yuan(r["yuan"]) for r in values.rows.get("subtotals", [])}
    document["lines"] = []
    for i, r in enumerate(values.rows.get("lines", [])):
        line: dict[str, Any] = {
            "id": number(r["id"]), "ref": optional(r["ref"]), "category": r["category"], "item": r["item"],
            "amount": money(r["amount"], f"lines.{i}.amount"), "tags": values.tags[i],
            "responsible": listed(r["responsible"]), "cooperating": listed(r["cooperating"]),
            "deadline": optional(r["deadline"]), "note": optional(r["note"])}
        if values.split[i]:
            line["split"] = {tag: yuan(part) for tag, part in values.split[i].items()}
        document["lines"].append(line)
    return _typed_only(document)


def _typed_only(document: dict[str, Any]) -> dict[str, Any]:
    """A field left empty is a field not given (the schema then says it is required, not that it is short)."""
    def kept(row: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in row.items() if v != ""}

    return {k: [kept(r) for r in v] if isinstance(v, list) else v for k, v in kept(document).items()}


def load(values: Values, errors: dict[str, list[str]]) -> Plan | None:
    """The plan the values make, as the API loads it; ``None`` with the errors by field otherwise."""
    typed: dict[str, list[str]] = {}
    document = to_document(values, typed)
    try:
        plan = load_plan(document)[0]
    except ValidationError as exc:
        errors.update({key: localise(messages) for key, messages in flatten_errors(exc.messages).items()})
        plan = None
    errors.update(typed)
    return None if typed else plan


def localise(messages: list[str]) -> list[str]:
    """A schema's messages in the reader's language: they are written ``English (中文)``."""
    english = lang() == "en"
    shown = []
    for message in messages:
        if message in _GENERIC:
            shown.append(_("必填"))
            continue
        m = _BILINGUAL.match(message)
        shown.append(message if m is None else m.group("en" if english else "zh"))
    return shown


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def rule_set_choices() -> list[Choice]:
    """The rule sets by their titles, in the reader's language."""
    english = lang() == "en"
    choices = []
    for rule_set in rulesets.available():
        rules = rulesets.load(rule_set)
        choices.append(Choice(rule_set, rules.title_en if english else rules.title_zh))
    return choices


def tag_choices(rule_set: str) -> tuple[list[Choice], list[Choice]]:
    """The uses of funds a line may be tagged with under ``rule_set`` by their labels, and its prohibited uses."""
    if rule_set not in rulesets.available():
        rule_set = rulesets.available()[0]
    rules = rulesets.load(rule_set)
    english = lang() == "en"
    return ([Choice(tag, en if english else zh) for tag, (zh, en) in rules.tags.items()],
            [Choice(p.tag, p.en if english else p.zh) for p in rules.prohibited])


def checks_json(checks: list[Check]) -> list[dict[str, object]]:
    return [check.as_dict(lang()) for check in checks]


def sums(plan: Plan) -> list[dict[str, str]]:
    """The plan's total and what its lines and funding sources add up to, in 万元 and 元, for the eye."""
    return [{"label": str(label), "wan": wan(amount), "yuan": yuan(amount)}
            for label, amount in ((_("总投资"), plan.total), (_("建设内容合计"), plan.lines_sum()),
                                  (_("资金来源合计"), plan.funding_sum()))]


def context(values: Values, errors: dict[str, list[str]], plan: Plan | None, *,
            regions: list[dict[str, str]] | None = None, reason: str | None = None) -> dict[str, Any]:
    """What the plan form partial (``projects/_plan_form.html``) shows; with a ``reason`` (an amendment's,
    as typed) the form asks why the plan in force changes."""
    allowed, prohibited = tag_choices(values.rule_set)
    shown = {section: list(values.rows.get(section, [])) for section in SPARE}
    return {
        "typed": values, "errors": errors, "rows": shown, "spare": SPARE,
        "regions": regions, "reason": reason, "rule_sets": rule_set_choices(),
        "tag_allowed": allowed, "tag_prohibited": prohibited,
        "checks": None if plan is None else checks_json(plan_checks(plan)),
        "sums": [] if plan is None else sums(plan),
        "check_url": url_for("plans_ui.check"), "units": {unit: UNIT_LABELS[unit]() for unit in ("万元", "元")},
        "filing_clause": filing_clause(), "parens": (" (", ")") if lang() == "en" else ("（", "）"),
        "colon": ": " if lang() == "en" else "：", "separator": ", " if lang() == "en" else "、",
        "shown_fields": shown_fields(values, with_region=regions is not None, with_reason=reason is not None),
        "error_labels": {key: describe(key) for key in errors},
        "categories": list(dict.fromkeys([*(r["category"] for r in values.rows.get("lines", []) if r["category"]),
                                          *(c.label for c in allowed)])),
    }


def describe(key: str) -> str:
    """Where an error is, as the form names it (``建设内容第 2 行``), for the list above the form."""
    sections = {"lines": _("建设内容与资金安排"), "funding": _("资金来源"), "phases": _("实施阶段"),
                "targets": _("绩效目标"), "subtotals": _("小计"), "region": _("示范县"),
                "rule_version": _("资金管理规则"), "period": _("实施期"), "source": _("来源"),
                "name": _("项目名称"), "doc_no": _("文号"), "rule_set": _("资金管理规则"), "total": _("总投资"),
                "unit": _("金额单位"), "reason": _("调整理由")}
    parts = key.split(".")
    label = str(sections.get(parts[0], ""))
    if len(parts) > 1 and parts[1].isdigit():
        row = _("建设内容") if parts[0] == "lines" else label
        label = _("%(section)s第 %(n)s 行", section=row, n=int(parts[1]) + 1)
    return label


#: The fields of each row that show their errors next to them.
_ROW_ERRORS = {"funding": ("source", "amount"), "phases": ("name", "start", "end"), "targets": ("name", "target"),
               "lines": ("category", "item", "amount", "responsible", "deadline", "tags", "split")}


def shown_fields(values: Values, *, with_region: bool, with_reason: bool = False) -> set[str]:
    """The error keys the form shows next to their field (the others are listed above the form)."""
    keys = {"name", "doc_no", "rule_set", "period.start", "period.end", "total"}
    if with_region:
        keys.add("region")
    if with_reason:
        keys.add("reason")
    for section, names in _ROW_ERRORS.items():
        keys |= {f"{section}.{i}.{name}" for i in range(len(values.rows.get(section, []))) for name in names}
    return keys
