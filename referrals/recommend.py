"""recommend(risk, context): a pure function from a risk assessment to ordered pathways, each
with the reasons that produced it. No database access."""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from screening import instruments
from screening.risk import RiskLevel

from . import pathways as p


@dataclass(frozen=True)
class Context:
    postnatal: bool
    infant_months: int | None = None  # the youngest living infant's age
    infant_loss: bool = False  # an infant of hers died: no dyad for mother-infant psychotherapy
    risk_factors: frozenset = field(default_factory=frozenset)
    open_pathways: frozenset = field(default_factory=frozenset)
    instrument: str = ""  # a brief screen (the PHQ-2) is followed by the full one the same day


PSYCHOTHERAPIES = (p.CBT, p.IPT, p.MIP)
BRIEF = {i.code for i in instruments.all() if i.brief}  # followed by a full questionnaire the same day


@dataclass(frozen=True)
class Recommendation:
    pathway: p.Pathway
    reasons: tuple[str, ...]
    already_open: bool = False
    prevention: bool = False  # offered to prevent depression, not to treat it

    @property
    def code(self):
        return self.pathway.code

    @property
    def equal_standing(self):
        return self.code in PSYCHOTHERAPIES

    @property
    def evidence(self):
        """The evidence for the question this recommendation answers: prevention or treatment."""
        return evidence_for(self.pathway, self.prevention)


def evidence_for(pathway, prevention):
    return pathway.prevention_evidence if prevention and pathway.prevention_evidence else pathway.evidence


def mip_eligible(context):
    """MIP follows the dyad (Huang et al. 2020 studied infants under 24 months), whether or not the
    mother is pregnant again."""
    return context.infant_months is not None and context.infant_months < p.MIP_MAX_INFANT_MONTHS


def _psychotherapies(context, why, mip=True):
    """CBT, IPT and, for an eligible dyad, MIP: listed together in a fixed neutral order, none first."""
    reasons = [why]
    if context.infant_loss and not mip_eligible(context):
        reasons.append(_("Mother-infant psychotherapy is not offered: her infant died"))
    chosen = [(p.CBT, reasons), (p.IPT, [why])]
    if mip and mip_eligible(context):
        chosen.append((p.MIP, [why, _("Infant is %(n)s months old: under 24 months") % {"n": context.infant_months}]))
    return chosen


def _steps(risk, context):
    level = risk.score_level
    steps = []
    if risk.level == RiskLevel.URGENT:
        steps.append((p.SAME_DAY, [_("Self-harm answer: assess risk today")]))
    if level == RiskLevel.HIGH:
        if risk.level != RiskLevel.URGENT:
            steps.append((p.SAME_DAY, [_("High score: assess safety today, even without a self-harm answer")]))
        steps.append((p.PSYCHIATRIC, [_("High score: evaluate, and screen for bipolar disorder before medication")]))
        steps += _psychotherapies(context, _("High score: psychotherapy alongside evaluation"))
    elif level == RiskLevel.PROBABLE:
        steps += _psychotherapies(context, _("Probable depression: diagnostic assessment and psychotherapy"))
    elif level == RiskLevel.POSSIBLE:
        factors = [f for f in context.risk_factors if f != "relationship_concerns"]
        why = _("Possible depression: current subthreshold symptoms, so counselling may prevent depression")
        if factors:
            why = _("%(why)s; other risk factors recorded") % {"why": why}
        steps += _psychotherapies(context, why, mip=False)
        if "relationship_concerns" in context.risk_factors and mip_eligible(context):
            steps.append(
                (
                    p.MIP,
                    [
                        _("Possible depression with concerns about the mother-infant relationship"),
                        _("Infant is %(n)s months old: under 24 months") % {"n": context.infant_months},
                    ],
                )
            )
        steps.append((p.PEER_SUPPORT, [_("Possible depression: information and peer support")]))
        if context.instrument not in BRIEF:  # after a brief screen the full one comes today, not in 2 weeks
            steps.append((p.WATCHFUL_WAITING, [_("Rescreen in 2 weeks before planning treatment")]))
    if risk.anxiety_flag:
        steps.append((p.ANXIETY, [_("Anxiety flag")]))
    return steps


def recommend(risk, context):
    recommendations = []
    prevention = risk.score_level == RiskLevel.POSSIBLE
    for code, reasons in _steps(risk, context):
        already = code in context.open_pathways
        if already:
            reasons = [*reasons, _("A referral on this pathway is already open")]
        recommendations.append(Recommendation(p.get(code), tuple(reasons), already, prevention))
    # Open pathways keep their place in the list but sort after what still needs doing.
    return sorted(recommendations, key=lambda r: r.already_open)


def urgency_for(pathway, risk_level):
    """The least urgency a referral may have: a same-day assessment is same-day; after a high score
    or a self-harm answer ("assess safety today", docs/clinical.md section 3) within a week."""
    if pathway == p.SAME_DAY:
        return "same_day"
    if risk_level in (RiskLevel.URGENT, RiskLevel.HIGH):
        return "urgent"
    return "routine"
