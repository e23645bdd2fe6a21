"""The stepped-care pathways, defined in code with their evidence (docs/clinical.md sections 1 and 3)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

MIP_MAX_INFANT_MONTHS = 24


@dataclass(frozen=True)
class Evidence:
    summary: str
    figures: tuple[str, ...] = ()
    caveat: str = ""
    source: str = ""


@dataclass(frozen=True)
class Pathway:
    code: str
    name: str
    description: str
    for_whom: str
    eligibility: str
    evidence: Evidence  # for the question this pathway answers when it is treatment
    rescreen_after_completion_days: tuple[int, ...] = field(default=())
    prevention_evidence: Evidence | None = None  # where it is offered to prevent, not to treat


HUANG_2020 = (
    "Huang R, Yang D, Lei B, et al. The short- and long-term effectiveness of mother-infant "
    "psychotherapy on postpartum depression: a systematic review and meta-analysis. "
    "J Affect Disord 2020;260:670-679. doi:10.1016/j.jad.2019.09.056"
)
USPSTF_2019 = (
    "US Preventive Services Task Force. Interventions to prevent perinatal depression. "
    "JAMA 2019;321(6):580-587. doi:10.1001/jama.2019.0007"
)
ACOG = "ACOG Clinical Practice Guideline No. 4 (2023); Committee Opinion 757 (2018)."
ACOG_TREATMENT = (
    "ACOG Clinical Practice Guideline No. 5 (2023): Treatment and Management of Mental Health Conditions "
    "During Pregnancy and Postpartum. Obstet Gynecol 2023;141(6)."
)
RESCREEN_GUIDANCE = (
    "NSW SAFE START guidance; EPDS user notes (Cox, Holden and Sagovsky 1987). Not an ACOG recommendation."
)
# Prevention: the USPSTF recommendation answers "should she be offered counselling to prevent
# depression?", for people at increased risk, current subthreshold symptoms included.
USPSTF_COUNSELLING = Evidence(
    summary=_(
        "Counselling (CBT or IPT) to prevent perinatal depression is recommended (grade B) by the US Preventive "
        "Services Task Force for people at increased risk, including those with current subthreshold symptoms."
    ),
    source=USPSTF_2019,
)
# Treatment: psychotherapy as a treatment for perinatal depression. CBT, IPT and MIP are options of
# equal standing: no trial compared them head to head.
PSYCHOTHERAPY_TREATMENT = Evidence(
    summary=_(
        "Psychotherapy such as CBT or IPT is a recommended treatment for perinatal depression, with or without "
        "medication."
    ),
    caveat=_("No trial has compared CBT, IPT and mother-infant psychotherapy head to head: they are equal options."),
    source=ACOG_TREATMENT,
)

SAME_DAY = "same_day_assessment"
PSYCHIATRIC = "psychiatric_evaluation"
MIP = "mip"
CBT = "cbt"
IPT = "ipt"
PEER_SUPPORT = "psychoeducation"
WATCHFUL_WAITING = "watchful_waiting"
ANXIETY = "anxiety_assessment"

CATALOGUE = {
    p.code: p
    for p in (
        Pathway(
            SAME_DAY,
            _("Same-day risk assessment"),
            _(
                "A clinician assesses suicide and self-harm risk today, in person or by phone, and makes a "
                "safety plan; crisis resources are given to the mother at once."
            ),
            _("Any mother who answered the self-harm item above zero, whatever her total, or with a high score."),
            _("Always, after a self-harm answer or a high score."),
            Evidence(
                _(
                    "An affirmative self-harm answer calls for immediate assessment; at a high score (EPDS 15 or "
                    "more) safety is assessed the same day."
                ),
                source=ACOG + " PIRI guidance for EPDS 15 or more.",
            ),
        ),
        Pathway(
            PSYCHIATRIC,
            _("Psychiatric evaluation"),
            _(
                "Evaluation by a psychiatrist or psychiatric prescriber; screen for bipolar disorder before "
                "starting medication."
            ),
            _("High scores (EPDS 15 or more, PHQ-9 15 or more by default)."),
            _("High risk level."),
            Evidence(
                _(
                    "Severe symptoms warrant diagnostic evaluation and consideration of medication alongside "
                    "psychotherapy."
                ),
                source=ACOG,
            ),
        ),
        Pathway(
            MIP,
            _("Mother-infant psychotherapy"),
            _(
                "Psychotherapy with the mother and infant together, focused on the relationship and the "
                "mother's mood, by a therapist experienced with dyads."
            ),
            _(
                "Mothers with probable depression, or possible depression with concerns about the mother-infant "
                "relationship, whose infant is under 24 months."
            ),
            _("A dyad whose infant is under 24 months (the population studied)."),
            Evidence(
                summary=_(
                    "A meta-analysis of 13 randomised trials (Huang et al. 2020; 1,141 dyads as reported in a news "
                    "summary of the review) found mother-infant psychotherapy improved maternal depression in the "
                    "short term."
                ),
                figures=(
                    _("Depressive scores: standardised mean difference -0.25 (95% CI -0.40 to -0.09), a small effect"),
                    _("Risk of depression: risk ratio 0.71 (95% CI 0.55 to 0.91), about 29% lower"),
                ),
                caveat=_(
                    "Benefit was shown only in the short term: no long-term improvement in maternal mood, "
                    "mother-infant interaction or infant attachment. The interventions varied widely in type, "
                    "intensity and frequency, none was compared head to head with CBT or IPT, and the authors call "
                    "for larger trials. Rescreens follow the end of therapy."
                ),
                source=HUANG_2020,
            ),
            rescreen_after_completion_days=(0, 90, 180),
        ),
        Pathway(
            CBT,
            _("Cognitive behavioural therapy"),
            _("Structured individual or group therapy addressing unhelpful thoughts and behaviours."),
            _("Probable or high risk (treatment), or possible depression (prevention)."),
            _("Any mother; antenatal or postnatal."),
            PSYCHOTHERAPY_TREATMENT,
            rescreen_after_completion_days=(0, 90, 180),
            prevention_evidence=USPSTF_COUNSELLING,
        ),
        Pathway(
            IPT,
            _("Interpersonal therapy"),
            _("Time-limited therapy focused on relationships and role transitions."),
            _("Probable or high risk (treatment), or possible depression (prevention)."),
            _("Any mother; antenatal or postnatal."),
            PSYCHOTHERAPY_TREATMENT,
            rescreen_after_completion_days=(0, 90, 180),
            prevention_evidence=USPSTF_COUNSELLING,
        ),
        Pathway(
            PEER_SUPPORT,
            _("Psychoeducation and peer support"),
            _(
                "Information about perinatal mood, self-care and support groups (for example Postpartum Support "
                "International)."
            ),
            _("Possible depression."),
            _("Any mother."),
            Evidence(_("Low-intensity support while symptoms are watched; not a treatment on its own.")),
        ),
        Pathway(
            WATCHFUL_WAITING,
            _("Watchful waiting with a rescreen"),
            _("Repeat the screen in 2 weeks before planning treatment."),
            _("A score at or above the cut-off without self-harm."),
            _("Any mother."),
            Evidence(
                _("Guidance repeats a positive screen after 2 weeks before planning treatment."),
                source=RESCREEN_GUIDANCE,
            ),
        ),
        Pathway(
            ANXIETY,
            _("Anxiety assessment"),
            _("Clinical assessment of perinatal anxiety; added to the depression pathway."),
            _("EPDS-3A 6 or more, or GAD-7 10 or more (defaults)."),
            _("Any mother."),
            Evidence(
                _("ACOG recommends screening for anxiety as well as depression in the perinatal period."), source=ACOG
            ),
        ),
    )
}


def get(code):
    return CATALOGUE[code]


def choices():
    return [(p.code, p.name) for p in CATALOGUE.values()]
