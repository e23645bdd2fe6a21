"""The Spanish catalogue is complete: every string marked for translation in the code and
templates has a Spanish translation, and the compiled catalogue matches the source."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "es" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
SOURCES = ("config", "common", "screening", "referrals", "fhir_api")
MARKERS = {"_", "gettext", "ngettext", "pgettext", "npgettext", "gettext_lazy", "ngettext_lazy", "pgettext_lazy"}


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """A fresh makemessages run over a scratch copy of the project."""
    scratch = tmp_path_factory.mktemp("messages")
    for name in (*SOURCES, "templates", "manage.py"):
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy)(source, scratch / name)
    (scratch / "locale").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "es", "--no-obsolete"],
        cwd=scratch,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings"},
    )
    return polib.pofile(str(scratch / "locale" / "es" / "LC_MESSAGES" / "django.po"))


def test_every_marked_string_has_a_spanish_translation(extracted):
    committed = {(e.msgctxt, e.msgid): e for e in polib.pofile(str(PO))}
    missing = [e.msgid for e in extracted if (e.msgctxt, e.msgid) not in committed]
    untranslated = [
        e.msgid for e in committed.values() if not e.obsolete and (not e.translated() or "fuzzy" in e.flags)
    ]
    assert not missing, f"run `make messages` and translate: {missing}"
    assert not untranslated, f"untranslated or fuzzy: {untranslated}"


def test_the_compiled_catalogue_matches_its_source():
    source = {e.msgid: (e.msgstr or e.msgstr_plural) for e in polib.pofile(str(PO)) if e.translated()}
    compiled = {e.msgid: (e.msgstr or e.msgstr_plural) for e in polib.mofile(str(MO)) if e.msgid}
    assert compiled == source, "run `make messages` to recompile locale/es/LC_MESSAGES/django.mo"


def test_placeholders_survive_translation():
    for entry in polib.pofile(str(PO)):
        for placeholder in ("%(n)s", "%(clinic)s", "%(total)s", "%(code)s", "%(name)s", "%(who)s", "%(date)s"):
            if placeholder in entry.msgid and not entry.msgid_plural:
                assert placeholder in entry.msgstr, entry.msgid


def test_no_marked_string_hides_inside_an_f_string():
    """xgettext does not read inside f-strings: a string marked there is never extracted, so the
    test above cannot miss it, and a Spanish reader sees it in English (it happened once)."""
    hidden = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for source in SOURCES
        for path in (ROOT / source).rglob("*.py")
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.JoinedStr)
        for call in ast.walk(node)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in MARKERS
    ]
    assert not hidden, f"mark the string outside the f-string: {hidden}"
