"""PHQ-9, PHQ-2 and GAD-7: no permission is required to reproduce, translate or display them."""

from .base import ANXIETY, DEPRESSION, Band, CutOff, Instrument, Item, Loinc, options

FREQUENCY = options(("Not at all", 0), ("Several days", 1), ("More than half the days", 2), ("Nearly every day", 3))
LICENCE = (
    "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, with "
    "an educational grant from Pfizer Inc. No permission is required to reproduce, translate, "
    "display or distribute."
)
PHQ9_CITATION = (
    "Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression severity "
    "measure. J Gen Intern Med 2001;16:606-613."
)
GAD7_CITATION = (
    "Spitzer RL, Kroenke K, Williams JB, Lowe B. A brief measure for assessing generalized "
    "anxiety disorder: the GAD-7. Arch Intern Med 2006;166:1092-1097."
)
PHQ_STEM = "Over the last 2 weeks, how often have you been bothered by any of the following problems?"
DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?"
)
DIFFICULTY_OPTIONS = ("Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult")
PHQ_ITEM_CODES = ("44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8")
PHQ_ANSWER_CODES = ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")  # by position: Not at all ... Nearly every day
GAD7_ITEM_CODES = ("69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7")

PHQ9_ITEMS = tuple(
    Item(number, text, FREQUENCY)
    for number, text in enumerate(
        (
            "Little interest or pleasure in doing things",
            "Feeling down, depressed, or hopeless",
            "Trouble falling or staying asleep, or sleeping too much",
            "Feeling tired or having little energy",
            "Poor appetite or overeating",
            "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your family down",
            "Trouble concentrating on things, such as reading the newspaper or watching television",
            "Moving or speaking so slowly that other people could have noticed? Or the opposite "
            "\u2014 being so fidgety or restless that you have been moving around a lot more than "
            "usual",
            "Thoughts that you would be better off dead or of hurting yourself in some way",
        ),
        start=1,
    )
)

PHQ9 = Instrument(
    code="PHQ-9",
    version="2001",
    name="Patient Health Questionnaire-9",
    stem=PHQ_STEM,
    recall="the last 2 weeks",
    items=PHQ9_ITEMS,
    bands=(
        Band(0, "minimal"),
        Band(5, "mild"),
        Band(10, "moderate"),
        Band(15, "moderately severe"),
        Band(20, "severe"),
    ),
    citation=PHQ9_CITATION,
    licence=LICENCE,
    max_total=27,
    measures=DEPRESSION,
    cut_offs=(CutOff("high", "phq9_high"), CutOff("probable", "phq9_probable")),
    follow_with=(),
    hedis_positive_from=10,
    remission_below=5,
    loinc=Loinc(panel="44249-1", total="44261-6", items=PHQ_ITEM_CODES, answers=PHQ_ANSWER_CODES),
    revised="2026-12-04T00:00:00Z",
    self_harm_item=9,
    asks_difficulty=True,
)

PHQ2 = Instrument(
    code="PHQ-2",
    version="2003",
    name="Patient Health Questionnaire-2",
    stem=PHQ_STEM,
    recall="the last 2 weeks",
    items=PHQ9_ITEMS[:2],
    bands=(Band(0, "negative"), Band(3, "positive: follow with the PHQ-9")),
    citation=(
        "Kroenke K, Spitzer RL, Williams JB. The Patient Health Questionnaire-2: validity of a "
        "two-item depression screener. Med Care 2003;41:1284-1292."
    ),
    licence=LICENCE,
    max_total=6,
    measures=DEPRESSION,
    cut_offs=(CutOff("possible", "phq2_positive"),),
    follow_with=("PHQ-9",),
    hedis_positive_from=3,
    remission_below=None,
    loinc=Loinc(panel="55757-9", total="55758-7", items=PHQ_ITEM_CODES[:2], answers=PHQ_ANSWER_CODES),
    revised="2026-12-04T00:00:00Z",
)

GAD7 = Instrument(
    code="GAD-7",
    version="2006",
    name="Generalized Anxiety Disorder-7",
    stem="Over the last 2 weeks, how often have you been bothered by the following problems?",
    recall="the last 2 weeks",
    items=tuple(
        Item(number, text, FREQUENCY)
        for number, text in enumerate(
            (
                "Feeling nervous, anxious or on edge",
                "Not being able to stop or control worrying",
                "Worrying too much about different things",
                "Trouble relaxing",
                "Being so restless that it is hard to sit still",
                "Becoming easily annoyed or irritable",
                "Feeling afraid as if something awful might happen",
            ),
            start=1,
        )
    ),
    bands=(Band(0, "minimal"), Band(5, "mild"), Band(10, "moderate"), Band(15, "severe")),
    citation=GAD7_CITATION,
    licence=LICENCE,
    max_total=21,
    measures=ANXIETY,
    cut_offs=(CutOff("anxiety", "gad7_anxiety"),),
    follow_with=(),
    hedis_positive_from=None,
    remission_below=None,
    loinc=Loinc(panel="69737-5", total="70274-6", items=GAD7_ITEM_CODES),
    revised="2026-12-04T00:00:00Z",
    at_risk_band="severe",
)
