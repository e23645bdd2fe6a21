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
    """The stepped-care table of docs/clinical.md section 3, written out independently. MIP follows the
    dyad (infant under 24 months, pregnant again or not) and stands beside CBT and IPT, never before
    them; a high score means assessing safety today; a possible score is itself subthreshold symptoms,
    so counselling is offered without a risk factor (USPSTF 2019)."""
    mip = [p.MIP] if infant_months < 24 else []
    codes = []
    if level == RiskLevel.URGENT:
        codes.append(p.SAME_DAY)
    if level == RiskLevel.HIGH:
        codes += [p.SAME_DAY, p.PSYCHIATRIC, p.CBT, p.IPT, *mip]
    if level == RiskLevel.PROBABLE:
        codes += [p.CBT, p.IPT, *mip]
    if level == RiskLevel.POSSIBLE:
        codes += [p.CBT, p.IPT, p.PEER_SUPPORT, p.WATCHFUL_WAITING]
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
    assert codes == [p.SAME_DAY, p.PSYCHIATRIC, p.CBT, p.IPT, p.MIP]  # same-day assessment once


def test_mip_shows_its_evidence_and_short_term_caveat():
    mip = next(
        r for r in recommend(risk(RiskLevel.PROBABLE), Context(postnatal=True, infant_months=4)) if r.code == p.MIP
    )
    figures = " ".join(str(f) for f in mip.pathway.evidence.figures)
    assert "-0.25 (95% CI -0.40 to -0.09)" in figures and "0.71 (95% CI 0.55 to 0.91)" in figures
    assert "13 randomised trials" in str(mip.pathway.evidence.summary)
    caveat = str(mip.pathway.evidence.caveat)
    assert "only in the short term" in caveat and "varied widely" in caveat and "larger trials" in caveat
    assert "news summary" in str(mip.pathway.evidence.summary)  # where the dyad count comes from
    assert "4 months old" in mip.reasons[1]
    assert mip.pathway.rescreen_after_completion_days == (0, 90, 180)


@pytest.mark.parametrize("code", [p.CBT, p.IPT])
@pytest.mark.parametrize(
    "level,source,question",
    [
        (RiskLevel.POSSIBLE, "Preventive Services Task Force", "prevent"),
        (RiskLevel.PROBABLE, "Clinical Practice Guideline No. 5 (2023)", "treatment"),
        (RiskLevel.HIGH, "Clinical Practice Guideline No. 5 (2023)", "treatment"),
    ],
)
def test_counselling_shows_the_evidence_for_the_question_it_answers(code, level, source, question):
    recommendation = next(r for r in recommend(risk(level), Context(postnatal=True)) if r.code == code)
    assert source in recommendation.evidence.source and question in str(recommendation.evidence.summary)


def test_a_possible_score_is_offered_counselling_without_a_risk_factor():
    context = Context(postnatal=True, infant_months=2)
    recommendations = recommend(risk(RiskLevel.POSSIBLE), context)
    assert [r.code for r in recommendations] == [p.CBT, p.IPT, p.PEER_SUPPORT, p.WATCHFUL_WAITING]
    assert "subthreshold" in recommendations[0].reasons[0]


def test_possible_depression_with_relationship_concerns_offers_mip_to_an_eligible_dyad():
    concerns = frozenset({"relationship_concerns"})
    eligible = Context(postnatal=True, infant_months=2, risk_factors=concerns)
    assert [r.code for r in recommend(risk(RiskLevel.POSSIBLE), eligible)][:3] == [p.CBT, p.IPT, p.MIP]
    too_old = Context(postnatal=True, infant_months=25, risk_factors=concerns)
    assert p.MIP not in [r.code for r in recommend(risk(RiskLevel.POSSIBLE), too_old)]


def test_mip_follows_the_dyad_when_she_is_pregnant_again():
    codes = [r.code for r in recommend(risk(RiskLevel.PROBABLE), Context(postnatal=False, infant_months=8))]
    assert p.MIP in codes


def test_the_rescreen_is_attributed_to_its_source_not_to_acog():
    source = p.get(p.WATCHFUL_WAITING).evidence.source
    assert "SAFE START" in source and "Not an ACOG recommendation" in source


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


def test_the_refer_form_preselects_no_psychotherapy_only_a_same_day_assessment(db, clinic_a):
    from referrals.forms import ReferForm

    probable = ReferForm(clinic=clinic_a, recommended=[p.CBT, p.IPT, p.MIP])
    assert probable.fields["pathway"].initial is None
    urgent = ReferForm(clinic=clinic_a, recommended=[p.SAME_DAY, p.CBT])
    assert urgent.fields["pathway"].initial == p.SAME_DAY
