"""Every text the UI shows has its English (issue 7: "every string translated, none hard-coded")."""

from disburse.web import catalogs


def test_every_text_of_every_part_of_the_ui_has_english() -> None:
    missing = catalogs.untranslated()
    assert not missing, "run `python -m disburse.web.catalogs update PART` and translate:\n" + "\n".join(
        f"{', '.join(where)}: {msgid}" for msgid, where in sorted(missing.items()))


def test_a_text_reads_the_same_in_english_in_every_part() -> None:
    clashes = catalogs.conflicts()
    assert not clashes, "one Chinese text, two translations (where the meanings differ, use a more precise text):\n" \
        + "\n".join(f"{msgid}: {parts}" for msgid, parts in sorted(clashes.items()))


def test_the_catalogs_compile_and_merge(tmp_path: object) -> None:
    from pathlib import Path

    from disburse.web.i18n import SOURCE, compile_catalogs

    directories = compile_catalogs(SOURCE, Path(str(tmp_path)))
    assert directories and all((Path(d) / "en" / "LC_MESSAGES" / "messages.mo").exists() for d in directories)
