"""Every answer combination of every instrument against the published rules, restated here
independently of the instrument definitions (docs/clinical.md section 2)."""

from itertools import product

import pytest

from screening import instruments
from screening.instruments import InvalidAnswers

EPDS_REVERSE_SCORED = {3, 5, 6, 7, 8, 9, 10}  # score 3,2,1,0 in printed order


def published_epds(positions):
    scores = [3 - p if n in EPDS_REVERSE_SCORED else p for n, p in enumerate(positions, start=1)]
    total = sum(scores)
    band = "probable depression" if total >= 13 else "possible depression" if total >= 10 else "below 10"
    return total, scores[2] + scores[3] + scores[4], scores[9] > 0, band


def published_phq9_band(total):
    for minimum, band in ((20, "severe"), (15, "moderately severe"), (10, "moderate"), (5, "mild")):
        if total >= minimum:
            return band
    return "minimal"


def published_gad7_band(total):
    for minimum, band in ((15, "severe"), (10, "moderate"), (5, "mild")):
        if total >= minimum:
            return band
    return "minimal"


def test_every_one_of_the_4_to_the_10_epds_answer_sets_scores_as_published():
    epds = instruments.get("EPDS")
    checked = 0
    for positions in product(range(4), repeat=10):
        r = epds.score(positions)
        assert (r.total, r.subscales["EPDS-3A"], r.self_harm, r.band) == published_epds(positions), positions
        checked += 1
    assert checked == 4**10


def test_every_phq9_answer_set_scores_as_published():
    phq9 = instruments.get("PHQ-9")
    for positions in product(range(4), repeat=9):
        r = phq9.score(positions)
        total = sum(positions)  # every PHQ item scores 0,1,2,3 in printed order
        assert (r.total, r.self_harm, r.band) == (total, positions[8] > 0, published_phq9_band(total))


def test_every_phq2_answer_set_scores_as_published():
    phq2 = instruments.get("PHQ-2")
    for positions in product(range(4), repeat=2):
        r = phq2.score(positions)
        assert r.total == sum(positions)
        assert r.band.startswith("positive") == (sum(positions) >= 3)
        assert r.self_harm is False


def test_every_gad7_answer_set_scores_as_published():
    gad7 = instruments.get("GAD-7")
    for positions in product(range(4), repeat=7):
        r = gad7.score(positions)
        assert (r.total, r.band, r.self_harm) == (sum(positions), published_gad7_band(sum(positions)), False)


@pytest.mark.parametrize("code,items,top", [("EPDS", 10, 30), ("PHQ-9", 9, 27), ("PHQ-2", 2, 6), ("GAD-7", 7, 21)])
def test_instruments_have_the_published_shape(code, items, top):
    instrument = instruments.get(code)
    assert len(instrument.items) == items
    assert all(len(item.options) == 4 for item in instrument.items)
    assert instrument.max_total == top == sum(max(o.score for o in i.options) for i in instrument.items)
    assert instrument.citation and instrument.licence


@pytest.mark.parametrize(
    "total,band",
    [
        (0, "below 10"),
        (9, "below 10"),
        (10, "possible depression"),
        (12, "possible depression"),
        (13, "probable depression"),
        (30, "probable depression"),
    ],
)
def test_epds_band_boundaries(total, band):
    assert instruments.get("EPDS").band_for(total) == band


@pytest.mark.parametrize(
    "total,band",
    [
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
    ],
)
def test_phq9_band_boundaries(total, band):
    assert instruments.get("PHQ-9").band_for(total) == band


@pytest.mark.parametrize(
    "total,band",
    [(4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"), (14, "moderate"), (15, "severe"), (21, "severe")],
)
def test_gad7_band_boundaries(total, band):
    assert instruments.get("GAD-7").band_for(total) == band


@pytest.mark.parametrize(
    "position,text,flag",
    [(0, "Yes, quite often", True), (1, "Sometimes", True), (2, "Hardly ever", True), (3, "Never", False)],
)
def test_epds_item_10_flags_self_harm_at_every_answer_but_never(position, text, flag):
    epds = instruments.get("EPDS")
    assert epds.items[9].options[position].text == text
    assert epds.score([0, 0, 3, 0, 3, 3, 3, 3, 3, position]).self_harm is flag


@pytest.mark.parametrize("position,flag", [(0, False), (1, True), (2, True), (3, True)])
def test_phq9_item_9_flags_self_harm_above_not_at_all(position, flag):
    assert instruments.get("PHQ-9").score([0] * 8 + [position]).self_harm is flag


def test_published_example_the_worst_epds_scores_30_with_3a_of_9():
    r = instruments.get("EPDS").score([3, 3, 0, 3, 0, 0, 0, 0, 0, 0])
    assert (r.total, r.subscales, r.self_harm) == (30, {"EPDS-3A": 9}, True)


@pytest.mark.parametrize(
    "answers,message",
    [
        ([0] * 9, "needs 10 answers"),
        ([0] * 11, "needs 10 answers"),
        ([0] * 9 + [None], "item 10 is not answered"),
        ([0] * 9 + [4], "out of range"),
        ([0] * 9 + [-1], "out of range"),
        ([0] * 9 + ["1"], "is not an option"),
        ([0] * 9 + [True], "is not an option"),
        ([0] * 9 + [1.0], "is not an option"),
        ("0000000000", "must be a list"),
        (None, "must be a list"),
    ],
)
def test_missing_extra_or_out_of_range_answers_are_refused_with_no_total(answers, message):
    with pytest.raises(InvalidAnswers, match=message):
        instruments.get("EPDS").score(answers)


def test_unknown_instrument_is_a_clear_error():
    with pytest.raises(instruments.UnknownInstrument):
        instruments.get("BDI")
    assert instruments.get("EPDS", "1987") is instruments.get("EPDS")
