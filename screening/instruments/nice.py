"""The questions NICE asks perinatal services to begin with (CG192, recommendation 1.5.3): the two
Whooley depression identification questions and the GAD-2. Brief screens: a positive one is
followed by a full questionnaire (1.5.4 and 1.5.5), which is what `follow_with` says."""

from .base import ANXIETY, DEPRESSION, Band, CutOff, Instrument, Item, Loinc, options
from .phq import GAD7, LICENCE

NICE_CG192 = (
    "National Institute for Health and Care Excellence. Antenatal and postnatal mental health: "
    "clinical management and service guidance. Clinical guideline CG192, 2014 (updated 2020), "
    "recommendations 1.5.3-1.5.5."
)
YES_NO = options(("Yes", 1), ("No", 0))

WHOOLEY = Instrument(
    code="Whooley",
    version="1997",
    name="Whooley depression identification questions",
    stem="Answer yes or no.",
    recall="the past month",
    items=(
        Item(1, "During the past month, have you often been bothered by feeling down, depressed or hopeless?", YES_NO),
        Item(
            2,
            "During the past month, have you often been bothered by having little interest or pleasure in "
            "doing things?",
            YES_NO,
        ),
    ),
    bands=(Band(0, "negative"), Band(1, "positive: follow with the EPDS or PHQ-9")),
    citation=(
        "Whooley MA, Avins AL, Miranda J, Browner WS. Case-finding instruments for depression: two "
        "questions are as good as many. J Gen Intern Med 1997;12:439-445. As worded in " + NICE_CG192
    ),
    licence="Published by NICE for use in the NHS; no permission is required to ask the questions.",
    max_total=2,
    measures=DEPRESSION,
    cut_offs=(CutOff("possible", minimum=1),),  # "responds positively to either" (1.5.4)
    follow_with=("EPDS", "PHQ-9"),
    hedis_positive_from=None,  # not among the instruments HEDIS counts
    remission_below=None,
    loinc=Loinc(panel=None, total=None),  # no LOINC code for them is known here
    revised="2026-12-05T00:00:00Z",
)

GAD2 = Instrument(
    code="GAD-2",
    version="2007",
    name="Generalized Anxiety Disorder-2",
    stem=GAD7.stem,
    recall="the last 2 weeks",
    items=GAD7.items[:2],
    bands=(Band(0, "negative"), Band(3, "positive: follow with the GAD-7")),
    citation=(
        "Kroenke K, Spitzer RL, Williams JB, Monahan PO, Lowe B. Anxiety disorders in primary care: "
        "prevalence, impairment, comorbidity, and detection. Ann Intern Med 2007;146:317-325. Asked as "
        "in " + NICE_CG192
    ),
    licence=LICENCE,
    max_total=6,
    measures=ANXIETY,
    cut_offs=(CutOff("anxiety", minimum=3),),  # "scores 3 or more" (1.5.5)
    follow_with=("GAD-7",),
    hedis_positive_from=None,
    remission_below=None,
    loinc=Loinc(panel=None, total=None, items=GAD7.loinc.items[:2]),
    revised="2026-12-05T00:00:00Z",
)
