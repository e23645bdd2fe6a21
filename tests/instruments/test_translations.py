import json
from pathlib import Path

import pytest

from screening import instruments
from screening.instruments import translations
from screening.instruments.translations import InvalidLanguagePack, text_for

PACKS = Path(__file__).parent.parent / "fixtures" / "language_packs"


@pytest.fixture
def test_packs(settings):
    settings.INSTRUMENT_TRANSLATION_DIRS = [PACKS]
    translations.clear_cache()
    yield
    translations.clear_cache()


def test_an_installed_validated_pack_supplies_the_text(test_packs):
    text = text_for(instruments.EPDS, "zz")
    assert text.is_translation and text.stem == "ZZ stem"
    assert text.items[9].text == "zz item 10"
    assert text.items[9].options == ("zz 10a", "zz 10b", "zz 10c", "zz 10d")


def test_without_a_pack_the_english_original_is_used(test_packs):
    for language in ("fr", "es", "", None):
        text = text_for(instruments.EPDS, language)
        assert not text.is_translation
        assert text.items[0].text == "I have been able to laugh and see the funny side of things"
    assert not text_for(instruments.PHQ9, "zz").is_translation


def test_a_translation_never_changes_the_score(test_packs):
    assert text_for(instruments.EPDS, "zz").is_translation
    assert instruments.EPDS.score([0] * 10).total == 21


@pytest.mark.parametrize(
    "broken",
    [
        lambda d: d["items"].pop(),
        lambda d: d["items"][3]["options"].pop(),
        lambda d: d["items"][0].update(text=""),
        lambda d: d.update(source=""),
    ],
)
def test_an_incomplete_or_unsourced_pack_is_refused(broken):
    data = json.loads((PACKS / "epds.zz.json").read_text())
    broken(data)
    with pytest.raises(InvalidLanguagePack):
        translations.parse_pack(instruments.EPDS, data)
