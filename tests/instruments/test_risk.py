from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from screening import instruments
from screening.risk import DEFAULT_THRESHOLDS, RiskLevel, Thresholds, assess

EPDS = instruments.get("EPDS")


def epds_answers_for(total, self_harm=False):
    """Positions giving an EPDS total with item 10 at 'Never' (or 'Hardly ever')."""
    scores, left = [], total - (1 if self_harm else 0)
    for _ in range(9):
        scores.append(min(3, left))
        left -= scores[-1]
    assert left == 0
    scores.append(1 if self_harm else 0)
    reversed_items = {3, 5, 6, 7, 8, 9, 10}
    return [3 - s if n in reversed_items else s for n, s in enumerate(scores, start=1)]


def expected_epds_level(total, item10, t=DEFAULT_THRESHOLDS):
    if item10 > 0:
        return RiskLevel.URGENT
    if total >= t.epds_high:
        return RiskLevel.HIGH
    if total >= t.epds_probable:
        return RiskLevel.PROBABLE
    if total >= t.epds_possible:
        return RiskLevel.POSSIBLE
    return RiskLevel.LOW


@pytest.mark.parametrize("total", range(0, 28))
def test_epds_levels_at_every_total_without_self_harm(total):
    risk = assess(EPDS.score(epds_answers_for(total)))
    assert risk.level == expected_epds_level(total, 0)


@pytest.mark.parametrize("total", [1, 5, 9, 10, 13, 15, 28])
def test_any_self_harm_answer_is_urgent_whatever_the_total(total):
    risk = assess(EPDS.score(epds_answers_for(total, self_harm=True)))
    assert risk.level == RiskLevel.URGENT
    assert "Self-harm" in risk.reasons[0]


@pytest.mark.parametrize("three_a,flag", [(5, False), (6, True), (9, True)])
def test_epds_3a_of_6_or_more_raises_the_anxiety_flag(three_a, flag):
    # items 3, 4, 5 carry the subscale; everything else 0
    item3 = min(3, three_a)
    item4 = min(3, three_a - item3)
    item5 = three_a - item3 - item4
    answers = [0, 0, 3 - item3, item4, 3 - item5, 3, 3, 3, 3, 3]
    risk = assess(EPDS.score(answers))
    assert risk.anxiety_flag is flag


@pytest.mark.parametrize(
    "total,level",
    [
        (9, RiskLevel.LOW),
        (10, RiskLevel.PROBABLE),
        (14, RiskLevel.PROBABLE),
        (15, RiskLevel.HIGH),
        (27 - 3, RiskLevel.HIGH),
    ],
)
def test_phq9_levels(total, level):
    answers = [min(3, max(0, total - 3 * i)) for i in range(8)] + [0]
    assert sum(answers) == total
    assert assess(instruments.PHQ9.score(answers)).level == level


def test_phq9_item_9_is_urgent():
    assert assess(instruments.PHQ9.score([0] * 8 + [1])).level == RiskLevel.URGENT


@pytest.mark.parametrize("answers", list(product(range(4), repeat=2)))
def test_phq2_positive_from_3_is_possible(answers):
    expected = RiskLevel.POSSIBLE if sum(answers) >= 3 else RiskLevel.LOW
    assert assess(instruments.PHQ2.score(answers)).level == expected


@pytest.mark.parametrize("total,flag", [(9, False), (10, True), (21, True)])
def test_gad7_flags_anxiety_from_10_and_grades_no_depression(total, flag):
    answers = [min(3, max(0, total - 3 * i)) for i in range(7)]
    risk = assess(instruments.GAD7.score(answers))
    assert (risk.level, risk.anxiety_flag) == (RiskLevel.LOW, flag)


def test_a_clinics_own_cut_offs_are_applied():
    answers = epds_answers_for(11)
    assert assess(EPDS.score(answers)).level == RiskLevel.POSSIBLE
    strict = Thresholds(epds_possible=12, epds_probable=14, epds_high=16)
    assert assess(EPDS.score(answers), strict).level == RiskLevel.LOW
    assert "below" in assess(EPDS.score(answers), strict).reasons[0]


@given(
    st.lists(st.integers(0, 3), min_size=10, max_size=10), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30)
)
def test_epds_grading_matches_the_rule_for_any_answers_and_ordered_thresholds(answers, a, b, c):
    possible, probable, high = sorted((a, b, c))
    t = Thresholds(epds_possible=possible, epds_probable=probable, epds_high=high)
    result = EPDS.score(answers)
    risk = assess(result, t)
    assert risk.level == expected_epds_level(result.total, result.item_scores[9], t)
    assert risk.anxiety_flag == (result.subscales["EPDS-3A"] >= t.epds_anxiety)
    assert risk.reasons
