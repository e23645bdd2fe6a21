"""Risk grading: a pure function of a score result and the clinic's thresholds.

The defaults here (docs/clinical.md section 3) are the only place thresholds are written down;
a clinic's own values live in ThresholdSet rows whose field defaults come from here."""

from dataclasses import asdict, dataclass, fields

from django.db import models
from django.utils.text import get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from screening import instruments
from screening.instruments.base import ANXIETY as ANXIETY_FLAG
from screening.instruments.base import DEPRESSION


class RiskLevel(models.TextChoices):
    LOW = "low", gettext_lazy("Low")
    POSSIBLE = "possible", gettext_lazy("Possible depression")
    PROBABLE = "probable", gettext_lazy("Probable depression")
    HIGH = "high", gettext_lazy("High")
    URGENT = "urgent", gettext_lazy("Urgent: self-harm answer")


LEVEL_ORDER = [RiskLevel.LOW, RiskLevel.POSSIBLE, RiskLevel.PROBABLE, RiskLevel.HIGH, RiskLevel.URGENT]
POSITIVE_LEVELS = LEVEL_ORDER[1:]


class Context(models.TextChoices):
    ANTENATAL = "antenatal", gettext_lazy("Antenatal")
    POSTNATAL = "postnatal", gettext_lazy("Postnatal")


@dataclass(frozen=True)
class Thresholds:
    epds_possible: int = 10
    epds_probable: int = 13
    epds_high: int = 15
    epds_anxiety: int = 6
    phq9_probable: int = 10
    phq9_high: int = 15
    phq2_positive: int = 3
    gad7_anxiety: int = 10

    @classmethod
    def from_dict(cls, data):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def as_dict(self):
        return asdict(self)


DEFAULT_THRESHOLDS = Thresholds()

# The highest value a published source uses for each cut-off (docs/clinical.md section 2): the EPDS
# authors' 13, antenatal guidance's 15, Matthey's 6 for the EPDS-3A, the PHQ and GAD-7 authors'
# 10, 15 and 3. Above these fewer mothers are flagged than any source intends: a clinic must say why.
PUBLISHED_HIGHEST = Thresholds(
    epds_possible=13,
    epds_probable=15,
    epds_high=15,
    epds_anxiety=6,
    phq9_probable=10,
    phq9_high=15,
    phq2_positive=3,
    gad7_anxiety=10,
)


# The highest any clinic may set, even with a reason, so that no configuration makes a score that
# every source calls positive negative: EPDS 20 (two-thirds of its range, above every published
# cut-off), PHQ-9 20 and GAD-7 15 (their authors' severe bands), PHQ-2 4, EPDS-3A 7. An EPDS of 27
# is always at least "possible", whatever the clinic's settings.
CEILINGS = Thresholds(
    epds_possible=20,
    epds_probable=20,
    epds_high=20,
    epds_anxiety=7,
    phq9_probable=20,
    phq9_high=20,
    phq2_positive=4,
    gad7_anxiety=15,
)


@dataclass(frozen=True)
class Risk:
    level: str
    anxiety_flag: bool
    reasons: tuple[str, ...]
    score_level: str = RiskLevel.LOW  # what the total alone grades, self-harm aside

    @property
    def is_positive(self):
        return self.level in POSITIVE_LEVELS or self.anxiety_flag


LEVEL_MEANING = {
    RiskLevel.HIGH: gettext_lazy("high"),
    RiskLevel.PROBABLE: gettext_lazy("probable depression"),
    RiskLevel.POSSIBLE: gettext_lazy("possible depression"),
}


def minimum(cut_off, thresholds):
    return getattr(thresholds, cut_off.setting) if cut_off.setting else cut_off.minimum


def _follow_with(instrument):
    return get_text_list(list(instrument.follow_with), _("or"))


def _depression(instrument, total, thresholds):
    """The most severe level the total reaches, from the questionnaire's own cut-offs."""
    for cut_off in instrument.cut_offs:
        least = minimum(cut_off, thresholds)
        if cut_off.level == ANXIETY_FLAG or total < least:
            continue
        level = RiskLevel(cut_off.level)
        meaning = (
            _("positive, follow with the %(next)s") % {"next": _follow_with(instrument)}
            if instrument.brief
            else LEVEL_MEANING[level]
        )
        reason = _("%(code)s total %(total)s is %(min)s or more: %(meaning)s") % {
            "code": instrument.code,
            "total": total,
            "min": least,
            "meaning": meaning,
        }
        return level, reason
    return RiskLevel.LOW, None


def assess(result, thresholds=DEFAULT_THRESHOLDS):
    instrument = instruments.get(result.instrument, result.version)
    code, total = result.instrument, result.total
    level, reason = _depression(instrument, total, thresholds)
    if reason:
        reasons = [reason]
    elif instrument.measures == DEPRESSION:
        reasons = [_("%(code)s total %(total)s is below the clinic's cut-offs") % {"code": code, "total": total}]
    else:
        reasons = [_("%(code)s measures anxiety, not depression") % {"code": code}]
    score_level = level
    if result.self_harm:
        level = RiskLevel.URGENT
        reasons.insert(0, _("Self-harm item answered above zero: same-day risk assessment, whatever the total"))
    flagged = False
    for cut_off in instrument.cut_offs:
        score = total if cut_off.of == "total" else result.subscales[cut_off.of]
        if cut_off.level != ANXIETY_FLAG or score < minimum(cut_off, thresholds):
            continue
        flagged = True
        values = {
            "name": code if cut_off.of == "total" else cut_off.of,
            "score": score,
            "min": minimum(cut_off, thresholds),
        }
        if instrument.brief:
            values["next"] = _follow_with(instrument)
            reasons.append(
                _("%(name)s score %(score)s is %(min)s or more: anxiety flag, follow with the %(next)s") % values
            )
        else:
            reasons.append(_("%(name)s score %(score)s is %(min)s or more: anxiety flag") % values)
    return Risk(level=level, anxiety_flag=flagged, reasons=tuple(reasons), score_level=score_level)
