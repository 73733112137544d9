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


def test_workers_compiling_the_catalogs_at_once_all_succeed(tmp_path: object) -> None:
    """Every gunicorn worker compiles the catalogs as it boots; two at once once raced on one temporary file and a
    worker failed to boot, taking the server down (seen as reset connections under load)."""
    import multiprocessing
    from pathlib import Path

    from disburse.web.i18n import SOURCE

    target = Path(str(tmp_path))
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_compile_into, args=(SOURCE, target)) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0] * 6
    assert not list(target.rglob("*.tmp"))


def _compile_into(source: object, target: object) -> None:
    from pathlib import Path

    from disburse.web.i18n import compile_catalogs

    for _ in range(5):
        for mo in Path(str(target)).rglob("*.mo"):
            mo.unlink(missing_ok=True)
        compile_catalogs(Path(str(source)), Path(str(target)))
