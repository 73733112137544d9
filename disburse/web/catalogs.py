"""The English catalogs of the UI: extract, update, check (a developer's tool; see docs/ui.md).

    python -m disburse.web.catalogs update PART   # add PART's new Chinese texts to its .po, keep translations
    python -m disburse.web.catalogs fill PART < pairs.tsv   # lines "中文<TAB>English" into PART's .po
    python -m disburse.web.catalogs check         # every text translated, and the same way everywhere? (exit 1)

Message ids are the Chinese texts; each part of the UI owns the files named in
:data:`PARTS` and one catalog ``translations/<part>/en/LC_MESSAGES/messages.po``.
``tests/unit/test_catalogs.py`` runs the check, so a page cannot ship a text
that has no English.
"""

import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).parent
TRANSLATIONS = WEB / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}

#: Each part's files, as globs under ``disburse/web``.
PARTS: dict[str, tuple[str, ...]] = {
    "core": ("__init__.py", "auth.py", "core.py", "delegations.py", "forms.py", "common.py", "i18n.py", "errors.py",
             "labels.py",
             "templates/base.html", "templates/error.html", "templates/_macros.html", "templates/login.html",
             "templates/core/*.html"),
    "projects": ("projects.py", "plans.py", "plan_form.py", "diagram.py", "templates/projects/*.html"),
    "money": ("money.py", "templates/money/*.html"),
    "applications": ("applications.py", "templates/applications/*.html"),
    "inspect": ("inspect.py", "templates/inspect/*.html"),
    "public": ("public.py", "templates/public/*.html"),
    "admin": ("admin.py", "templates/admin/*.html"),
}


def files(part: str) -> Iterator[Path]:
    for pattern in PARTS[part]:
        yield from sorted(WEB.glob(pattern))


def extract(part: str) -> dict[str, list[str]]:
    """Each message id of the part's files, with where it stands."""
    found: dict[str, list[str]] = {}
    for path in files(part):
        method = "python" if path.suffix == ".py" else "jinja2"
        options = {} if method == "python" else {"extensions": "jinja2.ext.i18n"}
        for lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS,
                                                                      options=options):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, []).append(f"{path.relative_to(WEB)}:{lineno}")
    return found


def po_path(part: str) -> Path:
    return TRANSLATIONS / part / "en" / "LC_MESSAGES" / "messages.po"


def load(part: str) -> Catalog:
    path = po_path(part)
    if not path.exists():
        return Catalog(locale="en", project="disburse", domain="messages")
    with path.open("rb") as fp:
        return read_po(fp, locale="en")


def update(part: str) -> list[str]:
    """Write the part's catalog with every current message id; the ids still without English."""
    old = load(part)
    new = Catalog(locale="en", project="disburse", domain="messages")
    for msgid, where in sorted(extract(part).items()):
        previous = old.get(msgid)
        new.add(msgid, previous.string if previous else "", locations=[(w.rsplit(":", 1)[0], int(w.rsplit(":", 1)[1]))
                                                                          for w in where])
    path = po_path(part)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:
        write_po(fp, new, width=120, sort_output=True)
    return [str(m.id) for m in new if m.id and not m.string]


def fill(part: str, pairs: dict[str, str]) -> list[str]:
    """Set the English of the given ids in the part's catalog; the given ids it does not hold."""
    catalog = load(part)
    unknown = []
    for msgid, english in pairs.items():
        message = catalog.get(msgid)
        if message is None:
            unknown.append(msgid)
        else:
            message.string = english
    with po_path(part).open("wb") as fp:
        write_po(fp, catalog, width=120, sort_output=True)
    return unknown


def conflicts() -> dict[str, dict[str, str]]:
    """Chinese texts that two parts translate differently (Flask-Babel merges the catalogs, so one
    English would silently win everywhere): text -> {part: English}."""
    seen: dict[str, dict[str, str]] = {}
    for part in PARTS:
        for message in load(part):
            if message.id and message.string:
                seen.setdefault(str(message.id), {})[part] = str(message.string)
    return {msgid: parts for msgid, parts in seen.items() if len(set(parts.values())) > 1}


def untranslated() -> dict[str, list[str]]:
    """Message ids of any part with no English in any catalog, with where they stand."""
    known: dict[str, str] = {}
    for part in PARTS:
        for message in load(part):
            if message.id and message.string:
                known[str(message.id)] = str(message.string)
    missing: dict[str, list[str]] = {}
    for part in PARTS:
        for msgid, where in extract(part).items():
            if msgid not in known:
                missing[msgid] = where
    return missing


def main(argv: list[str]) -> int:
    if argv[:1] == ["update"] and len(argv) == 2 and argv[1] in PARTS:
        todo = update(argv[1])
        for msgid in todo:
            print(f"untranslated: {msgid}")
        return 0
    if argv[:1] == ["fill"] and len(argv) == 2 and argv[1] in PARTS:
        pairs = dict(line.rstrip("\n").split("\t", 1) for line in sys.stdin if "\t" in line)
        for msgid in fill(argv[1], pairs):
            print(f"not in the catalog (run update first): {msgid}")
        return 0
    if argv[:1] == ["check"]:
        missing = untranslated()
        for msgid, where in sorted(missing.items()):
            print(f"{', '.join(where)}: {msgid}")
        clashes = conflicts()
        for msgid, parts in sorted(clashes.items()):
            print(f"translated differently: {msgid}: {parts}")
        return 1 if missing or clashes else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
