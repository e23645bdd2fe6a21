"""Validated questionnaires as immutable code: wording, answers and scoring cannot be edited."""

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
class Instrument:
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
    self_harm_item: int | None = None
    subscales: dict = field(default_factory=dict)  # name -> item numbers
    online_needs_permission: bool = False
    source_language: str = "en"

    @property
    def key(self):
        return f"{self.code}/{self.version}"

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
