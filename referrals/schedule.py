"""When to screen a mother next: a pure function of her facts (docs/clinical.md sections 1 and 4).

plan() lists every follow-up that applies to her, each with whether a screening already
satisfied it; followups.recompute() turns that into rows without duplicating or resurrecting."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from screening import instruments
from screening.risk import RiskLevel

from . import pathways

RESCREENED_LEVELS = (RiskLevel.POSSIBLE, RiskLevel.PROBABLE, RiskLevel.HIGH)
# Which questionnaires satisfy which screen (issue 13): a routine depression screen takes any
# depression instrument; a rescreen after a positive, a safety or post-therapy rescreen takes a
# full-length one. An anxiety questionnaire (the GAD-7) satisfies none.
DEPRESSION = frozenset(i.code for i in instruments.all() if i.measures == instruments.DEPRESSION)
FULL_LENGTH = frozenset(i.code for i in instruments.all() if i.full_length_depression)


@dataclass(frozen=True)
class Intervals:
    prenatal_weeks: tuple[int, ...] = (28,)
    infant_visit_months: tuple[int, ...] = (1, 2, 4, 6)
    rescreen_after_days: int = 14
    safety_follow_up_days: int = 7
    post_therapy_days: tuple[int, ...] = pathways.get(pathways.MIP).rescreen_after_completion_days
    routine_months: int = 6
    missed_after_days: int = 14  # a visit missed by longer than this is not scheduled late
    early_days: int = 7  # a screening this long before a due date satisfies it


@dataclass(frozen=True)
class ScreeningFact:
    code: str
    taken_on: date
    score_level: str
    self_harm: bool
    instrument: str = "EPDS"


@dataclass(frozen=True)
class ReferralFact:
    code: str
    pathway: str
    is_open: bool
    completed_on: date | None = None


@dataclass(frozen=True)
class AcknowledgedAlert:
    code: str
    acknowledged_on: date


@dataclass(frozen=True)
class RescreenDecision:
    screening_code: str
    decided_on: date


@dataclass(frozen=True)
class MotherFacts:
    registered_on: date
    due_date: date | None = None
    delivery_date: date | None = None
    infant_births: tuple[date, ...] = ()  # living infants of the current birth
    losses: tuple[date, ...] = ()  # infants of the current birth who died
    previous_births: tuple[date, ...] = ()  # the births of her earlier episodes
    previous_living_births: tuple[date, ...] = ()  # those of them with an infant alive
    pregnancy_recorded_on: date | None = None
    screenings: tuple[ScreeningFact, ...] = ()
    referrals: tuple[ReferralFact, ...] = ()
    alert_open: bool = False
    acknowledged_alerts: tuple[AcknowledgedAlert, ...] = ()
    rescreen_decisions: tuple[RescreenDecision, ...] = ()
    in_care: bool = True
    instrument: str = "PHQ-9"

    @property
    def birth(self):
        """The current episode's birth; None while she is pregnant (again)."""
        if self.delivery_date:
            return self.delivery_date
        births = [*self.infant_births, *self.losses]
        return min(births) if births and not self.due_date else None

    @property
    def episode(self):
        """'' for her first pregnancy or birth on record, '-2', '-3' ... for later ones, so that a new
        episode's screens are new rows, never the completed rows of an earlier one."""
        return f"-{len(set(self.previous_births)) + 1}" if self.previous_births else ""

    @property
    def pregnant_since(self):
        return self.pregnancy_recorded_on or self.registered_on

    @property
    def bereaved(self):
        """Every infant of hers on record died: there are no infant visits, only her own checks."""
        return bool(self.losses) and not self.infant_births


@dataclass(frozen=True)
class Planned:
    key: str
    kind: str
    due_on: date
    instrument: str
    reason: str
    satisfied_by: str | None = None  # the code of the screening that did it
    missed: bool = False
    extra: dict = field(default_factory=dict, compare=False)


class Kind:
    PRENATAL = "prenatal"
    INFANT_VISIT = "infant_visit"
    POSTNATAL = "postnatal"
    RESCREEN = "rescreen"
    SAFETY = "safety"
    POST_THERAPY = "post_therapy"


def _satisfier(facts, since, accepted):
    return next((s.code for s in facts.screenings if s.taken_on >= since and s.instrument in accepted), None)


def _item(facts, key, kind, due_on, reason, today, intervals, window_start=None, instrument=None):
    accepted = DEPRESSION if kind in (Kind.PRENATAL, Kind.INFANT_VISIT, Kind.POSTNATAL) else FULL_LENGTH
    satisfied = _satisfier(facts, window_start or due_on - timedelta(days=intervals.early_days), accepted)
    missed = not satisfied and due_on < today - timedelta(days=intervals.missed_after_days)
    return Planned(key, kind, due_on, instrument or facts.instrument, reason, satisfied, missed)


def _prenatal(facts, today, intervals):
    """The first prenatal visit and about 28 weeks (ACOG), of her current pregnancy: a mother
    pregnant again gets them again. In a later pregnancy only screens taken in it count."""
    if facts.birth or not facts.due_date:
        return []
    start = facts.pregnant_since
    items = [
        _item(
            facts,
            f"prenatal-first{facts.episode}",
            Kind.PRENATAL,
            start,
            _("First prenatal visit screen"),
            today,
            intervals,
            window_start=start if facts.episode else start - timedelta(days=90),
        )
    ]
    for weeks in intervals.prenatal_weeks:
        due = facts.due_date - timedelta(weeks=40 - weeks)
        if due >= start:
            items.append(
                _item(
                    facts,
                    f"prenatal-{weeks}w{facts.episode}",
                    Kind.PRENATAL,
                    due,
                    _("Screen at about %(n)s weeks of pregnancy") % {"n": weeks},
                    today,
                    intervals,
                )
            )
    return items


def _infant_visits(facts, today, intervals):
    """The infant's 1-, 2-, 4- and 6-month visits (AAP 2019). After a perinatal loss there are no
    infant visits; she keeps her own depression screens at the same times, named for her."""
    if not facts.birth:
        return []
    key, kind, reason = "infant-{m}m", Kind.INFANT_VISIT, _("Infant's %(n)s-month visit")
    if facts.bereaved:
        key, kind, reason = "postnatal-{m}m", Kind.POSTNATAL, _("Her postnatal check, %(n)s months after the birth")
    return _visits(facts, facts.birth, facts.episode, key, kind, reason, today, intervals)


def _visits(facts, birth, episode, key, kind, reason, today, intervals):
    return [
        _item(
            facts, key.format(m=m) + episode, kind, birth + relativedelta(months=m), reason % {"n": m}, today, intervals
        )
        for m in intervals.infant_visit_months
        if m <= intervals.routine_months
    ]


def _earlier_infants_visits(facts, today, intervals):
    """An older infant keeps her visits when her mother is pregnant again or has another baby, under
    the keys of the episode she was born in, so they are the same rows (long past ones are missed)."""
    births = sorted(set(facts.previous_births))
    return [
        item
        for index, birth in enumerate(births)
        if birth in facts.previous_living_births
        for item in _visits(
            facts,
            birth,
            f"-{index + 1}" if index else "",
            "infant-{m}m",
            Kind.INFANT_VISIT,
            _("Older infant's %(n)s-month visit"),
            today,
            intervals,
        )
    ]


def _rescreen_item(facts, screening, due, today, intervals):
    brief = instruments.get(screening.instrument)
    if brief.brief:
        # A positive brief screen is followed by a full questionnaire at the same visit (docs/clinical.md):
        # the brief ones have no self-harm item, which would otherwise go unasked for weeks.
        follow_with = facts.instrument if facts.instrument in brief.follow_with else brief.follow_with[0]
        return _item(
            facts,
            f"rescreen-{screening.code}",
            Kind.RESCREEN,
            screening.taken_on,
            _("The %(next)s at the same visit, after a positive %(code)s on %(day)s")
            % {"next": follow_with, "code": brief.code, "day": date_format(screening.taken_on)},
            today,
            intervals,
            window_start=screening.taken_on,
            instrument=follow_with,
        )
    label = RiskLevel(screening.score_level).label.lower()
    reason = _("Rescreen %(days)s days after a %(level)s score (%(code)s on %(day)s)") % {
        "days": rescreen_days(screening, intervals),
        "level": label,
        "code": screening.instrument,
        "day": date_format(screening.taken_on),
    }
    return _item(
        facts,
        f"rescreen-{screening.code}",
        Kind.RESCREEN,
        due,
        reason,
        today,
        intervals,
        window_start=screening.taken_on + timedelta(days=1),
    )


def rescreen_days(screening, intervals):
    """A high score asks for its rescreen within the safety interval (docs/clinical.md section 4: "at 15
    or more, assess safety now"), any other positive score within the rescreen interval."""
    if screening.score_level == RiskLevel.HIGH:
        return intervals.safety_follow_up_days
    return intervals.rescreen_after_days


def _calls_for_rescreen(screening):
    """A positive depression score without self-harm. A GAD-7 measures anxiety, not depression."""
    return screening.instrument in DEPRESSION and not screening.self_harm and screening.score_level in RESCREENED_LEVELS


def _rescreen(facts, today, intervals):
    """A second screen 2 weeks after each positive depression score without self-harm, whatever the
    infant's age (NSW SAFE START guidance and the EPDS user notes, docs/clinical.md section 4), and one for
    each screen a clinician chose to rescreen before deciding, never due before that decision. Only a
    full-length EPDS or PHQ-9 satisfies it."""
    by_code = {s.code: s for s in facts.screenings}
    wanted = {
        s.code: s.taken_on + timedelta(days=rescreen_days(s, intervals))
        for s in facts.screenings
        if _calls_for_rescreen(s)
    }  # each is satisfied by the next full-length screen, which completes it rather than cancels it
    for decision in facts.rescreen_decisions:
        screening = by_code.get(decision.screening_code)
        if screening is None:
            continue
        due = max(screening.taken_on + timedelta(days=rescreen_days(screening, intervals)), decision.decided_on)
        wanted[screening.code] = max(due, wanted.get(screening.code, due))
    return [_rescreen_item(facts, by_code[code], due, today, intervals) for code, due in wanted.items()]


def _safety(facts, today, intervals):
    """After a clinician acknowledged a self-harm alert: a rescreen within days, whatever the
    infant's age (docs/clinical.md section 4: "follow up within days once the alert is handled")."""
    return [
        _item(
            facts,
            f"safety-{alert.code}",
            Kind.SAFETY,
            alert.acknowledged_on + timedelta(days=intervals.safety_follow_up_days),
            _("Safety rescreen %(n)s days after a self-harm alert was handled")
            % {"n": intervals.safety_follow_up_days},
            today,
            intervals,
            window_start=alert.acknowledged_on + timedelta(days=1),
        )
        for alert in facts.acknowledged_alerts
    ]


def _post_therapy(facts, today, intervals):
    items = []
    for referral in facts.referrals:
        if not pathways.get(referral.pathway).rescreen_after_completion_days or not referral.completed_on:
            continue
        for days in intervals.post_therapy_days:
            due = referral.completed_on + timedelta(days=days)
            when = _("at its end") if days == 0 else _("%(n)s months after it ended") % {"n": round(days / 30)}
            items.append(
                _item(
                    facts,
                    f"after-{referral.code}-{days}",
                    Kind.POST_THERAPY,
                    due,
                    _("Rescreen after %(therapy)s, %(when)s")
                    % {"therapy": pathways.get(referral.pathway).name.lower(), "when": when},
                    today,
                    intervals,
                    window_start=max(due - timedelta(days=intervals.early_days), referral.completed_on),
                )
            )
    return items


def plan(facts, today, intervals=Intervals()):
    """Every follow-up that applies to her. Nothing while an urgent alert waits for a clinician or
    after she left care."""
    if not facts.in_care or facts.alert_open:
        return []
    return [
        *_prenatal(facts, today, intervals),
        *_infant_visits(facts, today, intervals),
        *_earlier_infants_visits(facts, today, intervals),
        *_rescreen(facts, today, intervals),
        *_safety(facts, today, intervals),
        *_post_therapy(facts, today, intervals),
    ]
