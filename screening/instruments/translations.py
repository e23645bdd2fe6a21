"""Validated translations, supplied as data files: never machine translations.

A pack is one JSON file: {"instrument", "version", "language", "source", "stem",
"items": [{"text", "options": [...]}, ...]} with the same items and options, in the same
printed order, as the English original. Scoring never depends on the text."""

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.conf import settings


class InvalidLanguagePack(ValueError):
    pass


@dataclass(frozen=True)
class ItemText:
    number: int
    text: str
    options: tuple[str, ...]


@dataclass(frozen=True)
class InstrumentText:
    language: str
    stem: str
    items: tuple[ItemText, ...]
    source: str = ""

    @property
    def is_translation(self):
        return bool(self.source)


def english(instrument):
    return InstrumentText(
        language=instrument.source_language,
        stem=instrument.stem,
        items=tuple(ItemText(i.number, i.text, tuple(o.text for o in i.options)) for i in instrument.items),
    )


def parse_pack(instrument, data):
    items = data.get("items")
    if not isinstance(items, list) or len(items) != len(instrument.items):
        raise InvalidLanguagePack(f"{instrument.key}: the pack must translate every item.")
    texts = []
    for original, item in zip(instrument.items, items, strict=True):
        opts = item.get("options") if isinstance(item, dict) else None
        if not isinstance(opts, list) or len(opts) != len(original.options):
            raise InvalidLanguagePack(f"{instrument.key} item {original.number}: every option must be translated.")
        if not all(isinstance(t, str) and t.strip() for t in [item.get("text"), *opts]):
            raise InvalidLanguagePack(f"{instrument.key} item {original.number}: empty text.")
        texts.append(ItemText(original.number, item["text"], tuple(opts)))
    if not data.get("source"):
        raise InvalidLanguagePack(f"{instrument.key}: a pack must cite its validation source.")
    return InstrumentText(data["language"], data.get("stem", ""), tuple(texts), data["source"])


@lru_cache(maxsize=8)
def _packs(dirs):
    from . import get

    packs = {}
    for folder in dirs:
        for path in sorted(Path(folder).glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            instrument = get(data["instrument"], data["version"])
            packs[(instrument.key, data["language"])] = parse_pack(instrument, data)
    return packs


def text_for(instrument, language):
    """The validated text in the language, or the English original when none is installed."""
    dirs = tuple(str(d) for d in settings.INSTRUMENT_TRANSLATION_DIRS)
    base = (language or "").split("-")[0]
    return _packs(dirs).get((instrument.key, base)) or english(instrument)


def clear_cache():
    _packs.cache_clear()
