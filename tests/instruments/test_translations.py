"""Translation packs: a clinic installs a validated translation it holds a licence for with
`manage.py install_translation FILE`; it is checked against the instrument first and kept with its
checksum. The pack used here is a fake, for tests only."""

import hashlib
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from screening import instruments
from screening.instruments import translations
from screening.instruments.translations import InvalidLanguagePack, text_for
from screening.models import TranslationPack

FAKE_PACK = Path(__file__).parent.parent / "fixtures" / "language_packs" / "epds.fake-es.json"
pytestmark = pytest.mark.django_db


def install(path=FAKE_PACK, *args):
    from io import StringIO

    out = StringIO()
    call_command("install_translation", str(path), *args, stdout=out)
    return out.getvalue()


def test_an_installed_pack_supplies_the_text_and_is_kept_with_its_checksum():
    said = install()
    pack = TranslationPack.objects.get()
    assert pack.sha256 == hashlib.sha256(FAKE_PACK.read_bytes()).hexdigest()
    assert f"sha256 {pack.sha256}" in said and "FAKE TEST PACK" in said
    text = text_for(instruments.EPDS, "es")
    assert text.is_translation and text.pack == pack and text.language == "es"
    assert text.stem == "PRUEBA: en los últimos 7 días"
    assert text.instructions.startswith("PAQUETE FALSO")
    assert text.items[9].text == "PRUEBA pregunta 10"
    assert text.items[9].options == ("PRUEBA 10a", "PRUEBA 10b", "PRUEBA 10c", "PRUEBA 10d")
    assert text_for(instruments.EPDS, "es-MX").pack == pack  # a regional variant reads the language's pack


def test_the_same_file_twice_installs_once():
    install()
    assert "Already installed" in install()
    assert TranslationPack.objects.count() == 1


def test_check_only_installs_nothing():
    assert "a complete EPDS/1987 pack in es" in install(FAKE_PACK, "--check")
    assert not TranslationPack.objects.exists()


def test_without_a_pack_the_english_original_is_used():
    install()
    for language in ("fr", "en", "", None):
        text = text_for(instruments.EPDS, language)
        assert not text.is_translation
        assert text.items[0].text == "I have been able to laugh and see the funny side of things"
    assert not text_for(instruments.PHQ9, "es").is_translation


def test_the_newest_pack_is_shown_and_the_older_stays(tmp_path):
    install()
    data = json.loads(FAKE_PACK.read_text())
    data["items"][0]["text"] = "PRUEBA pregunta 1, segunda edición"
    second = tmp_path / "second.json"
    second.write_text(json.dumps(data))
    install(second)
    assert TranslationPack.objects.count() == 2
    assert text_for(instruments.EPDS, "es").items[0].text == "PRUEBA pregunta 1, segunda edición"


def test_a_translation_never_changes_the_score():
    install()
    assert text_for(instruments.EPDS, "es").is_translation
    assert instruments.EPDS.score([0] * 10).total == 21


@pytest.mark.parametrize(
    "broken, says",
    [
        (lambda d: d["items"].pop(), "all 10 items"),
        (lambda d: d["items"][3]["options"].pop(), "item 4: all 4 options"),
        (lambda d: d["items"][0].update(text=""), "item 1: a text is missing"),
        (lambda d: d["items"][2]["options"].__setitem__(1, "  "), "item 3: a text is missing"),
        (lambda d: d.pop("citation"), "no citation"),
        (lambda d: d.update(licence=""), "no licence"),
        (lambda d: d.update(instructions=None), "no instructions"),
        (lambda d: d.update(language="zz"), "language must be one of es"),
        (lambda d: d.update(language="en"), "language must be one of es"),
        (lambda d: d.update(version="2099"), "No instrument 'EPDS' version '2099'"),
    ],
)
def test_an_incomplete_or_unsourced_pack_is_refused_and_nothing_installed(tmp_path, broken, says):
    data = json.loads(FAKE_PACK.read_text())
    broken(data)
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match=says):
        install(path)
    assert not TranslationPack.objects.exists()


def test_a_file_that_is_not_json_is_refused(tmp_path):
    path = tmp_path / "pack.json"
    path.write_bytes(b"\xff not json")
    with pytest.raises(CommandError, match="not UTF-8 JSON"):
        install(path)
    with pytest.raises(CommandError, match="Cannot read"):
        install(tmp_path / "missing.json")
    with pytest.raises(InvalidLanguagePack, match="JSON object"):
        translations.parse_pack([])
