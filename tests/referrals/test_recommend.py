"""Every risk level x anxiety flag x infant under/over 24 months x open referral x antenatal/postnatal."""

from itertools import product

import pytest

from referrals import pathways as p
from referrals.recommend import Context, recommend
from screening.risk import Risk, RiskLevel

LEVELS = [RiskLevel.LOW, RiskLevel.POSSIBLE, RiskLevel.PROBABLE, RiskLevel.HIGH, RiskLevel.URGENT]


def risk(level, anxiety=False, score_level=None):
    if level == RiskLevel.URGENT:
        score_level = score_level or RiskLevel.LOW
    return Risk(level=level, anxiety_flag=anxiety, reasons=("test",), score_level=score_level or level)


def expected(level, anxiety, infant_months, open_pathway, postnatal):
    """The stepped-care table of clinical.md section 3, written out independently."""
    mip_ok = postnatal and infant_months < 24
    codes = []
    if level == RiskLevel.URGENT:
        codes.append(p.SAME_DAY)
    if level == RiskLevel.HIGH:
        codes += [p.PSYCHIATRIC] + ([p.MIP] if mip_ok else []) + [p.CBT, p.IPT]
    if level == RiskLevel.PROBABLE:
        codes += ([p.MIP] if mip_ok else []) + [p.CBT, p.IPT]
    if level == RiskLevel.POSSIBLE:
        codes += [p.PEER_SUPPORT, p.WATCHFUL_WAITING]
    if anxiety:
        codes.append(p.ANXIETY)
    if open_pathway in codes:  # an open pathway is still shown, but after everything else
        codes.remove(open_pathway)
        codes.append(open_pathway)
    return codes


CASES = list(product(LEVELS, [False, True], [6, 30], [None, p.MIP, p.CBT], [False, True]))


@pytest.mark.parametrize("level,anxiety,infant_months,open_pathway,postnatal", CASES)
def test_recommendations_follow_the_stepped_care_table(level, anxiety, infant_months, open_pathway, postnatal):
    context = Context(
        postnatal=postnatal,
        infant_months=infant_months,
        open_pathways=frozenset([open_pathway] if open_pathway else []),
    )
    recommendations = recommend(risk(level, anxiety), context)
    assert [r.code for r in recommendations] == expected(level, anxiety, infant_months, open_pathway, postnatal)
    for r in recommendations:
        assert r.reasons, r.code
        assert r.already_open == (r.code == open_pathway)
        if r.already_open:
            assert "already open" in r.reasons[-1]


def test_a_self_harm_answer_adds_same_day_assessment_to_the_pathways_its_total_calls_for():
    context = Context(postnatal=True, infant_months=3)
    codes = [r.code for r in recommend(risk(RiskLevel.URGENT, score_level=RiskLevel.HIGH), context)]
    assert codes == [p.SAME_DAY, p.PSYCHIATRIC, p.MIP, p.CBT, p.IPT]


def test_mip_shows_its_evidence_and_short_term_caveat():
    mip = next(
        r for r in recommend(risk(RiskLevel.PROBABLE), Context(postnatal=True, infant_months=4)) if r.code == p.MIP
    )
    figures = " ".join(str(f) for f in mip.pathway.evidence.figures)
    assert "-0.25 (95% CI -0.40 to -0.09)" in figures and "0.71 (95% CI 0.55 to 0.91)" in figures
    assert "13 randomised trials" in str(mip.pathway.evidence.summary)
    assert "only in the short term" in str(mip.pathway.evidence.caveat)
    assert "4 months old" in mip.reasons[1]
    assert mip.pathway.rescreen_after_completion_days == (0, 90, 180)


@pytest.mark.parametrize("code", [p.CBT, p.IPT])
def test_cbt_and_ipt_show_the_uspstf_grade_b_recommendation(code):
    assert "grade B" in str(p.get(code).evidence.summary)
    assert "2019" in p.get(code).evidence.source


def test_possible_depression_with_risk_factors_adds_counselling():
    context = Context(postnatal=True, infant_months=2, risk_factors=frozenset({"low_income"}))
    assert [r.code for r in recommend(risk(RiskLevel.POSSIBLE), context)] == [
        p.CBT,
        p.IPT,
        p.PEER_SUPPORT,
        p.WATCHFUL_WAITING,
    ]


def test_possible_depression_with_relationship_concerns_offers_mip_to_an_eligible_dyad():
    concerns = frozenset({"relationship_concerns"})
    eligible = Context(postnatal=True, infant_months=2, risk_factors=concerns)
    assert [r.code for r in recommend(risk(RiskLevel.POSSIBLE), eligible)][0] == p.MIP
    too_old = Context(postnatal=True, infant_months=25, risk_factors=concerns)
    assert p.MIP not in [r.code for r in recommend(risk(RiskLevel.POSSIBLE), too_old)]


def test_a_second_possible_screen_in_a_row_adds_counselling():
    context = Context(postnatal=False, previous_positive=True)
    codes = [r.code for r in recommend(risk(RiskLevel.POSSIBLE), context)]
    assert codes[:2] == [p.CBT, p.IPT]
    assert "two screens in a row" in recommend(risk(RiskLevel.POSSIBLE), context)[0].reasons[0]


def test_mip_boundary_is_under_24_months():
    for months, eligible in [(23, True), (24, False), (None, False)]:
        codes = [r.code for r in recommend(risk(RiskLevel.PROBABLE), Context(postnatal=True, infant_months=months))]
        assert (p.MIP in codes) is eligible


def test_catalogue_has_every_pathway_with_words_for_staff():
    assert set(p.CATALOGUE) == {
        p.SAME_DAY,
        p.PSYCHIATRIC,
        p.MIP,
        p.CBT,
        p.IPT,
        p.PEER_SUPPORT,
        p.WATCHFUL_WAITING,
        p.ANXIETY,
    }
    for pathway in p.CATALOGUE.values():
        assert pathway.name and pathway.description and pathway.for_whom and pathway.eligibility
        assert pathway.evidence.summary
