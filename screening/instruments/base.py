"""Validated questionnaires as immutable code: wording, answers and scoring cannot be edited."""

import math
from dataclasses import dataclass, field


class InvalidAnswers(ValueError):
    """Answers that cannot be scored: never a partial total."""


@dataclass(frozen=True)
class Option:
    text: str
    score: int


@dataclass(frozen=True)
class Item:
    number: int
    text: str
    options: tuple[Option, ...]


@dataclass(frozen=True)
class Result:
    instrument: str
    version: str
    total: int
    item_scores: tuple[int, ...]
    subscales: dict = field(default_factory=dict)
    self_harm: bool = False
    band: str = ""


@dataclass(frozen=True)
class Band:
    minimum: int
    label: str


@dataclass(frozen=True)
class CutOff:
    """A score at or above the cut-off grades `level` ("possible", "probable", "high" for depression;
    "anxiety" raises the anxiety flag). `setting` names the clinic's threshold that may move it
    (risk.Thresholds); without one the publisher's `minimum` holds for every clinic."""

    level: str
    setting: str = ""
    minimum: int | None = None
    of: str = "total"  # or a subscale's name


@dataclass(frozen=True)
class Loinc:
    """The questionnaire's LOINC codes: None where no code is known here (sent as text, never guessed)."""

    panel: str | None
    total: str | None
    items: tuple[str, ...] = ()  # by item number, when every item has one
    answers: tuple[str, ...] = ()  # answer codes by option position, when the options have them


DEPRESSION, ANXIETY = "depression", "anxiety"


@dataclass(frozen=True, kw_only=True)
class Instrument:
    """A questionnaire and every fact the rest of the app needs about it: nothing downstream names
    an instrument. A new questionnaire is one of these, registered in instruments/__init__.py."""

    code: str
    version: str
    name: str
    stem: str
    recall: str
    items: tuple[Item, ...]
    bands: tuple[Band, ...]
    citation: str
    licence: str
    max_total: int
    measures: str  # DEPRESSION or ANXIETY
    cut_offs: tuple[CutOff, ...]  # from the most severe level down
    follow_with: tuple[str, ...]  # a brief screen: the full questionnaires a positive is followed by, first preferred
    hedis_positive_from: int | None  # a questionnaire HEDIS counts, positive from this total; None: not counted
    remission_below: int | None  # a negative full-length score that shows remission (cascade report)
    loinc: Loinc
    revised: str  # when this copy (wording, options, codes) last changed: FHIR's meta.lastUpdated
    self_harm_item: int | None = None
    subscales: dict = field(default_factory=dict)  # name -> item numbers
    at_risk_band: str = ""  # a band that puts her at risk on its own (opens a concern)
    asks_difficulty: bool = False  # the PHQ's unscored question after the items
    online_needs_permission: bool = False
    source_language: str = "en"

    @property
    def key(self):
        return f"{self.code}/{self.version}"

    @property
    def brief(self):
        return bool(self.follow_with)

    @property
    def full_length_depression(self):
        """A full-length depression questionnaire: it satisfies any rescreen, and a negative one can show remission."""
        return self.measures == DEPRESSION and not self.brief

    @property
    def minutes(self):
        """About how long she takes to answer it: half a minute a question, rounded up (the EPDS's
        ten take about five, as its authors say; the PHQ-2's two, about one)."""
        return math.ceil(len(self.items) / 2)

    @property
    def most_options(self):
        """How many boxes its longest item has: what staff may type for an answer (1 to n, a to ...)."""
        return max(len(item.options) for item in self.items)

    @property
    def last_option_letter(self):
        return "abcdefghij"[self.most_options - 1]

    def begins(self, other):
        """This brief screen is the first items of `other` (the PHQ-2 of the PHQ-9): her answers carry over."""
        return other.items[: len(self.items)] == self.items

    def validate(self, answers):
        if isinstance(answers, (str, bytes)) or not hasattr(answers, "__len__"):
            raise InvalidAnswers(f"{self.code} answers must be a list, one per item.")
        if len(answers) != len(self.items):
            raise InvalidAnswers(f"{self.code} needs {len(self.items)} answers, one per item; got {len(answers)}.")
        for item, answer in zip(self.items, answers, strict=True):
            if answer is None:
                raise InvalidAnswers(f"{self.code} item {item.number} is not answered.")
            if isinstance(answer, bool) or not isinstance(answer, int):
                raise InvalidAnswers(f"{self.code} item {item.number}: {answer!r} is not an option.")
            if not 0 <= answer < len(item.options):
                raise InvalidAnswers(
                    f"{self.code} item {item.number}: option {answer} is out of range 0-{len(item.options) - 1}."
                )

    def score(self, answers):
        """answers: the chosen option of each item, as its position in printed order."""
        self.validate(answers)
        scores = tuple(item.options[a].score for item, a in zip(self.items, answers, strict=True))
        total = sum(scores)
        return Result(
            instrument=self.code,
            version=self.version,
            total=total,
            item_scores=scores,
            subscales={name: sum(scores[n - 1] for n in numbers) for name, numbers in self.subscales.items()},
            self_harm=self.self_harm_item is not None and scores[self.self_harm_item - 1] > 0,
            band=self.band_for(total),
        )

    def band_for(self, total):
        return next(b.label for b in reversed(self.bands) if total >= b.minimum)


def options(*pairs):
    return tuple(Option(text, score) for text, score in pairs)
