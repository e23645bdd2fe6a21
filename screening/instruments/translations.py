"""Validated translations, installed from a pack a clinic holds a licence for: never machine
translations, never typed from memory.

A pack is one UTF-8 JSON file:

    {"format": 1, "instrument": "EPDS", "version": "1987", "language": "es",
     "instructions": "...",            the text before the first question
     "recall": "...",                  the stem shown above each question (optional)
     "items": [{"text": "...", "options": ["...", ...]}, ...],
     "citation": "...",                the published source of this translation
     "licence": "..."}                 the terms it is used under

with every item and option of the English original, in the same printed order: scoring never
depends on the text. `manage.py install_translation FILE` checks it against the instrument and
stores it with its SHA-256; each screening keeps the pack it was answered in."""

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings

TEXT_FIELDS = ("instructions", "citation", "licence")


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
    instructions: str
    items: tuple[ItemText, ...]
    recall: str = ""
    pack: object = None  # the TranslationPack, for a translation

    @property
    def is_translation(self):
        return self.pack is not None

    @property
    def stem(self):
        """What is shown above each question."""
        return self.recall or self.instructions


def english(instrument):
    return InstrumentText(
        language=instrument.source_language,
        instructions=instrument.stem,
        items=tuple(ItemText(i.number, i.text, tuple(o.text for o in i.options)) for i in instrument.items),
    )


def _text(value):
    return isinstance(value, str) and bool(value.strip())


def parse_pack(data):
    """(instrument, InstrumentText) from a pack's JSON, or InvalidLanguagePack saying what is wrong."""
    from . import get

    if not isinstance(data, dict):
        raise InvalidLanguagePack("A pack is a JSON object.")
    try:
        instrument = get(str(data.get("instrument", "")), str(data.get("version", "")))
    except LookupError:
        raise InvalidLanguagePack(
            f"No instrument {data.get('instrument')!r} version {data.get('version')!r} here."
        ) from None
    language = data.get("language")
    offered = [code for code, _name in settings.LANGUAGES if code != instrument.source_language]
    if language not in offered:
        raise InvalidLanguagePack(f"{instrument.key}: language must be one of {', '.join(offered)}; got {language!r}.")
    for name in TEXT_FIELDS:
        if not _text(data.get(name)):
            raise InvalidLanguagePack(f"{instrument.key}: the pack has no {name}.")
    if "recall" in data and not isinstance(data["recall"], str):
        raise InvalidLanguagePack(f"{instrument.key}: recall must be text.")
    items = data.get("items")
    if not isinstance(items, list) or len(items) != len(instrument.items):
        raise InvalidLanguagePack(
            f"{instrument.key}: the pack must translate all {len(instrument.items)} items, in printed order."
        )
    texts = []
    for original, item in zip(instrument.items, items, strict=True):
        options = item.get("options") if isinstance(item, dict) else None
        if not isinstance(options, list) or len(options) != len(original.options):
            raise InvalidLanguagePack(
                f"{instrument.key} item {original.number}: all {len(original.options)} options must be translated."
            )
        if not all(_text(t) for t in [item.get("text"), *options]):
            raise InvalidLanguagePack(f"{instrument.key} item {original.number}: a text is missing or empty.")
        texts.append(ItemText(original.number, item["text"].strip(), tuple(o.strip() for o in options)))
    text = InstrumentText(
        language, data["instructions"].strip(), tuple(texts), recall=(data.get("recall") or "").strip()
    )
    return instrument, text


def read_pack(raw):
    """(instrument, text, content, sha256) from a pack file's bytes."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidLanguagePack(f"The pack is not UTF-8 JSON: {error}.") from None
    instrument, text = parse_pack(data)
    return instrument, text, data, hashlib.sha256(raw).hexdigest()


def install(raw):
    """Stores a checked pack; (pack, created). Installing the same file again changes nothing."""
    from ..models import TranslationPack

    instrument, _text_, data, digest = read_pack(raw)
    return TranslationPack.objects.get_or_create(
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        language=data["language"],
        sha256=digest,
        defaults={"content": data, "citation": data["citation"].strip(), "licence": data["licence"].strip()},
    )


def from_pack(pack):
    _instrument, text = parse_pack(pack.content)
    return InstrumentText(text.language, text.instructions, text.items, recall=text.recall, pack=pack)


def text_for(instrument, language):
    """The newest installed translation in her language, or the English original when none is."""
    from ..models import TranslationPack

    base = (language or "").split("-")[0]
    if not base or base == instrument.source_language:
        return english(instrument)
    pack = (
        TranslationPack.objects.filter(
            instrument_code=instrument.code, instrument_version=instrument.version, language=base
        )
        .order_by("-installed_at", "-pk")
        .first()
    )
    return from_pack(pack) if pack else english(instrument)
