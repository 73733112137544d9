"""What a refusal cites is the official document (曲政办发〔2018〕205号 五(五)2, a county plan by its title) or the
system's own rule, never a developer's reference: no ``SPEC``, no ``seed 00x``, no ``§`` section (issue 18)."""

import ast
import importlib
import pkgutil
from pathlib import Path
from typing import Any

import pytest
import yaml

import disburse.domain
import disburse.services
from disburse.domain.citations import DEVELOPER_FORM, QUJING, SYSTEM_RULE, cite, cites
from disburse.services.workflows import load_all
from tests.unit.test_guards_table import GUARD_CASES, REGISTRIES

ROOT = Path(__file__).resolve().parents[2]


def clauses_of(doc: Any, where: str = "") -> list[tuple[str, str]]:
    """Every ``…clause`` text of a parsed YAML document, with where it is."""
    if isinstance(doc, dict):
        return [found for key, value in doc.items()
                for found in ([(f"{where}.{key}", value)] if key.endswith("clause") and isinstance(value, str)
                              else clauses_of(value, f"{where}.{key}"))]
    if isinstance(doc, list):
        return [found for i, value in enumerate(doc) for found in clauses_of(value, f"{where}[{i}]")]
    return []


def test_a_citation_names_the_document_then_its_section() -> None:
    assert cite(QUJING, "五(五)2") == "曲政办发〔2018〕205号 五(五)2"
    assert cite(QUJING, "五(五)3", "拨付补助资金") == "曲政办发〔2018〕205号 五(五)3 (拨付补助资金)"
    assert cites(cite(QUJING, "五(一)"), SYSTEM_RULE) == "曲政办发〔2018〕205号 五(一); 本系统办理规则（无文件条款）"


@pytest.mark.parametrize("text", ["SPEC §5.3", "seed 004 §5(1)", "seeds 000 and 001", "§5(5)2"])
def test_a_developers_reference_is_recognised(text: str) -> None:
    assert DEVELOPER_FORM.search(text)


@pytest.mark.parametrize("name", sorted(load_all()))
def test_no_workflow_transition_cites_a_developers_file(name: str) -> None:
    workflow = load_all()[name]
    cited = {t.trigger: t.clause for t in workflow.transitions.values()}
    assert all(cited.values()), name
    assert {trigger: c for trigger, c in cited.items() if DEVELOPER_FORM.search(c)} == {}


RULE_FILES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "config/rules").rglob("*.yaml"))


@pytest.mark.parametrize("path", RULE_FILES)
def test_no_rule_set_clause_cites_a_developers_file(path: str) -> None:
    found = clauses_of(yaml.safe_load((ROOT / path).read_text(encoding="utf-8")))
    assert found
    assert [(where, text) for where, text in found if DEVELOPER_FORM.search(text) or "disburse" in text] == []


def modules(package: Any) -> list[Any]:
    return [importlib.import_module(f"{package.__name__}.{m.name}") for m in pkgutil.iter_modules(package.__path__)]


def test_no_clause_constant_cites_a_developers_file() -> None:
    constants = {f"{module.__name__}.{name}": value for package in (disburse.domain, disburse.services)
                 for module in modules(package) for name, value in vars(module).items()
                 if "CLAUSE" in name and isinstance(value, str)}
    assert len(constants) > 10
    assert {name: text for name, text in constants.items() if DEVELOPER_FORM.search(text)} == {}


def literal_clauses(path: Path) -> list[tuple[int, str]]:
    """The clause of every ``Unmet(code, zh, en, clause)`` written as a literal (plain or f-string parts)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) in ("Unmet", "_u"):
            args = [*node.args[3:4], *(k.value for k in node.keywords if k.arg == "clause")]
            for arg in args:
                for part in ast.walk(arg):
                    if isinstance(part, ast.Constant) and isinstance(part.value, str):
                        found.append((node.lineno, part.value))
    return found


def test_no_unmet_written_in_the_code_cites_a_developers_file() -> None:
    sources = sorted((ROOT / "disburse").rglob("*.py"))
    found = [(f"{path.relative_to(ROOT)}:{line}", text) for path in sources for line, text in literal_clauses(path)]
    assert [(where, text) for where, text in found if DEVELOPER_FORM.search(text)] == []


@pytest.mark.parametrize(("registry", "guard", "facts", "expected"), [c for c in GUARD_CASES if c.values[3]])
def test_no_guard_refusal_cites_a_developers_file(registry: str, guard: str, facts: Any, expected: Any) -> None:
    for item in REGISTRIES[registry][guard](facts):
        assert not DEVELOPER_FORM.search(item.clause), (item.code, item.clause)
        assert not DEVELOPER_FORM.search(item.zh + item.en), (item.code, item.zh, item.en)
