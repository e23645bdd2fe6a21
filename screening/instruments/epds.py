from .base import DEPRESSION, Band, CutOff, Instrument, Item, Loinc, options

CITATION = (
    "Cox JL, Holden JM, Sagovsky R. Detection of postnatal depression: development of the "
    "10-item Edinburgh Postnatal Depression Scale. Br J Psychiatry 1987;150:782-786. "
    "doi:10.1192/bjp.150.6.782"
)
LICENCE = (
    "(c) 1987 The Royal College of Psychiatrists. Clinicians may photocopy the scale for their "
    "own use; distribution to others or republication, online included, needs the College's "
    "written permission."
)

EPDS = Instrument(
    code="EPDS",
    version="1987",
    name="Edinburgh Postnatal Depression Scale",
    stem=(
        "As you are pregnant or have recently had a baby, we would like to know how you are "
        "feeling. Please check the answer that comes closest to how you have felt IN THE PAST "
        "7 DAYS, not just how you feel today."
    ),
    recall="the past 7 days",
    items=(
        Item(
            1,
            "I have been able to laugh and see the funny side of things",
            options(
                ("As much as I always could", 0),
                ("Not quite so much now", 1),
                ("Definitely not so much now", 2),
                ("Not at all", 3),
            ),
        ),
        Item(
            2,
            "I have looked forward with enjoyment to things",
            options(
                ("As much as I ever did", 0),
                ("Rather less than I used to", 1),
                ("Definitely less than I used to", 2),
                ("Hardly at all", 3),
            ),
        ),
        Item(
            3,
            "I have blamed myself unnecessarily when things went wrong",
            options(
                ("Yes, most of the time", 3), ("Yes, some of the time", 2), ("Not very often", 1), ("No, never", 0)
            ),
        ),
        Item(
            4,
            "I have been anxious or worried for no good reason",
            options(("No, not at all", 0), ("Hardly ever", 1), ("Yes, sometimes", 2), ("Yes, very often", 3)),
        ),
        Item(
            5,
            "I have felt scared or panicky for no very good reason",
            options(("Yes, quite a lot", 3), ("Yes, sometimes", 2), ("No, not much", 1), ("No, not at all", 0)),
        ),
        Item(
            6,
            "Things have been getting on top of me",
            options(
                ("Yes, most of the time I haven't been able to cope at all", 3),
                ("Yes, sometimes I haven't been coping as well as usual", 2),
                ("No, most of the time I have coped quite well", 1),
                ("No, I have been coping as well as ever", 0),
            ),
        ),
        Item(
            7,
            "I have been so unhappy that I have had difficulty sleeping",
            options(("Yes, most of the time", 3), ("Yes, sometimes", 2), ("Not very often", 1), ("No, not at all", 0)),
        ),
        Item(
            8,
            "I have felt sad or miserable",
            options(
                ("Yes, most of the time", 3), ("Yes, quite often", 2), ("Not very often", 1), ("No, not at all", 0)
            ),
        ),
        Item(
            9,
            "I have been so unhappy that I have been crying",
            options(("Yes, most of the time", 3), ("Yes, quite often", 2), ("Only occasionally", 1), ("No, never", 0)),
        ),
        Item(
            10,
            "The thought of harming myself has occurred to me",
            options(("Yes, quite often", 3), ("Sometimes", 2), ("Hardly ever", 1), ("Never", 0)),
        ),
    ),
    # The original authors' labels; the clinic's risk thresholds are applied separately.
    bands=(Band(0, "below 10"), Band(10, "possible depression"), Band(13, "probable depression")),
    citation=CITATION,
    licence=LICENCE,
    max_total=30,
    measures=DEPRESSION,
    cut_offs=(
        CutOff("high", "epds_high"),
        CutOff("probable", "epds_probable"),
        CutOff("possible", "epds_possible"),
        CutOff("anxiety", "epds_anxiety", of="EPDS-3A"),
    ),
    follow_with=(),
    hedis_positive_from=10,
    remission_below=10,
    loinc=Loinc(panel="71354-5", total="99046-5"),  # no LOINC codes are known here for its items
    revised="2026-12-04T00:00:00Z",
    self_harm_item=10,
    subscales={"EPDS-3A": (3, 4, 5)},
    online_needs_permission=True,
)
