"""Chinese first, English on request (Flask-Babel): locale, catalogs, and how amounts and times read.

The message ids are the Chinese texts officials read (``_("审批队列")``); the
English catalogs translate them. Each part of the UI keeps its own catalog in
``disburse/web/translations/<part>/en/LC_MESSAGES/messages.po``, and Flask-Babel
merges them. The ``.po`` files are the source: at start-up they are compiled
into ``.mo`` files under the instance folder (only when a ``.po`` is newer), so
there is no generated file in the repository and no build step to forget.

The language is ``?lang=en`` / ``?lang=zh`` (remembered in a cookie), else the
cookie, else Chinese — whatever the browser's own language, since the users are
Chinese officials (a browser set to English is not a request for English).
Times are shown in Asia/Shanghai; amounts in 元 with thousands separators and
in 万元 as officials write them (``650万元``).
"""

import tempfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, g, request
from flask_babel import Babel

from disburse.domain.money import format_wan

LANGUAGES = ("zh", "en")
COOKIE = "lang"
SOURCE = Path(__file__).parent / "translations"
SHANGHAI = ZoneInfo("Asia/Shanghai")


def _older(mo: Path, po: Path) -> bool:
    """Is the compiled catalog missing or older than its source? One ``stat``: a file removed between a check
    and a ``stat`` (someone clearing the instance folder while workers boot) counts as missing."""
    try:
        return mo.stat().st_mtime < po.stat().st_mtime
    except FileNotFoundError:
        return True


def compile_catalogs(source: Path, target: Path) -> list[str]:
    """Compile every ``<part>/<lang>/LC_MESSAGES/messages.po`` under ``source`` into ``target``; the dirs.

    Every gunicorn worker builds its app and may compile at the same moment as the others: each writes a
    temporary file of its own and moves it into place atomically, so one worker
    never moves another's half-written file, nor finds its own gone (a worker that failed to boot this
    way took the whole server down under load)."""
    directories = []
    for po in sorted(source.glob("*/*/LC_MESSAGES/messages.po")):
        part = po.parents[2].name
        mo = target / part / po.relative_to(source / part).with_suffix(".mo")
        if _older(mo, po):
            mo.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as fp:
                catalog = read_po(fp)
            with tempfile.NamedTemporaryFile(dir=mo.parent, suffix=".tmp", delete=False) as out:
                write_mo(out, catalog)
            Path(out.name).replace(mo)
        directories.append(str(target / part))
    return sorted(set(directories))


def select_locale() -> str:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        return wanted
    cookie = request.cookies.get(COOKIE)
    return cookie if cookie in LANGUAGES else "zh"


def remember_locale(response: Response) -> Response:
    wanted = request.args.get("lang")
    if wanted in LANGUAGES and request.cookies.get(COOKIE) != wanted:
        response.set_cookie(COOKIE, wanted, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def lang() -> str:
    """The page's language, ``zh`` or ``en``."""
    if "ui_lang" not in g:
        g.ui_lang = select_locale()
    return str(g.ui_lang)


def pick(label: Any) -> str:
    """``{"zh": …, "en": …}`` (as workflows and services give labels) in the page's language."""
    if isinstance(label, dict):
        return str(label.get(lang()) or label.get("zh") or "")
    return "" if label is None else str(label)


def yuan(amount: Any) -> str:
    """``1234567.5`` → ``1,234,567.50 元`` (``1,234,567.50 yuan`` in English)."""
    if amount in (None, ""):
        return "—"
    value = Decimal(str(amount))
    return f"{value:,.2f} " + ("yuan" if lang() == "en" else "元")


def wan(amount: Any) -> str:
    """``6500000`` → ``650万元`` (``6.5 million yuan`` in English)."""
    if amount in (None, ""):
        return "—"
    value = Decimal(str(amount))
    if lang() == "en":
        millions = (value / Decimal(1_000_000)).quantize(Decimal("0.0001")).normalize()
        return f"{millions:f} million yuan"
    return format_wan(value)


def local_time(value: Any, with_seconds: bool = False) -> str:
    """An ISO time or datetime shown in Asia/Shanghai: ``2024-10-10 16:00``."""
    if value in (None, ""):
        return "—"
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    if isinstance(moment, datetime):
        if moment.tzinfo is not None:
            moment = moment.astimezone(SHANGHAI)
        return moment.strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")
    if isinstance(moment, date):
        return moment.isoformat()
    return str(value)


def init_app(app: Flask, instance_path: Path) -> None:
    directories = compile_catalogs(SOURCE, instance_path / "translations")
    app.config["BABEL_DEFAULT_LOCALE"] = "zh"
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Asia/Shanghai"
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(directories) or str(SOURCE)
    Babel(app, locale_selector=select_locale)
    app.after_request(remember_locale)
    app.jinja_env.filters.update(yuan=yuan, wan=wan, local_time=local_time, pick=pick)
    app.jinja_env.globals.update(ui_lang=lang, pick=pick)
