import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import Alert, Decision, Provider, Referral, ReferralSettings
from referrals.views import PER_PAGE
from screening.models import AuditEntry, CrisisResource

from ..conftest import assert_outcomes, clinic_today, enter_epds, make_mother

OK, FORBIDDEN, NOT_FOUND, LOGIN, METHOD = 200, 403, 404, "login", 405


@pytest.fixture
def provider(clinic_a):
    return Provider.objects.create(
        clinic=clinic_a,
        name="Dyad Therapy Center",
        pathways=["mip", "cbt"],
        contact="555-0100",
        languages=["en", "es"],
        typical_wait_weeks=2,
    )


@pytest.fixture
def urgent(mother, front_desk):
    screening = enter_epds(mother, [1, 1, 1, 2, 1, 1, 2, 2, 2, 1], front_desk)  # total 15, item 10 "Sometimes"
    assert (screening.total, screening.self_harm) == (15, True)
    return screening


@pytest.fixture
def referral(urgent, clinician, provider):
    return services.create_referral(
        mother=urgent.mother, screening=urgent, pathway="mip", provider=provider, actor=clinician
    )


def test_every_referrals_url_answers_each_persona_exactly(personas, login, urgent, referral, provider):
    alert = Alert.objects.get()
    table = [
        ("worklist", "get", reverse("worklist"), LOGIN, FORBIDDEN, OK, OK, OK),
        ("alert", "get", reverse("alert_detail", args=[alert.code]), LOGIN, FORBIDDEN, OK, OK, NOT_FOUND),
        (
            "acknowledge GET",
            "get",
            reverse("alert_acknowledge", args=[alert.code]),
            METHOD,
            METHOD,
            METHOD,
            METHOD,
            METHOD,
        ),
        ("refer", "get", reverse("refer", args=[urgent.code]), LOGIN, FORBIDDEN, OK, OK, NOT_FOUND),
        ("decide GET", "get", reverse("decide", args=[urgent.code]), METHOD, METHOD, METHOD, METHOD, METHOD),
        ("referral", "get", reverse("referral_detail", args=[referral.code]), LOGIN, FORBIDDEN, OK, OK, NOT_FOUND),
        (
            "transition GET",
            "get",
            reverse("referral_transition", args=[referral.code]),
            METHOD,
            METHOD,
            METHOD,
            METHOD,
            METHOD,
        ),
        ("providers", "get", reverse("provider_list"), LOGIN, FORBIDDEN, OK, OK, OK),
        ("new provider", "get", reverse("provider_create"), LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
        (
            "edit provider",
            "get",
            reverse("provider_edit", args=[provider.code]),
            LOGIN,
            FORBIDDEN,
            FORBIDDEN,
            OK,
            FORBIDDEN,
        ),
        ("settings", "get", reverse("referral_settings"), LOGIN, FORBIDDEN, FORBIDDEN, OK, FORBIDDEN),
        (
            "acknowledge",
            "post",
            reverse("alert_acknowledge", args=[alert.code]),
            LOGIN,
            FORBIDDEN,
            "ok-or-redirect",
            "ok-or-redirect",
            NOT_FOUND,
        ),
        ("decide", "post", reverse("decide", args=[urgent.code]), LOGIN, FORBIDDEN, 302, 302, NOT_FOUND),
        (
            "transition",
            "post",
            reverse("referral_transition", args=[referral.code]),
            LOGIN,
            FORBIDDEN,
            OK,
            OK,
            NOT_FOUND,
        ),
    ]
    assert_outcomes(login, personas, table)


def test_the_result_page_shows_recommendations_with_evidence_and_refers_in_one_step(login, clinician, urgent, provider):
    client = login(clinician)
    page = client.get(reverse("screening_detail", args=[urgent.code])).content.decode()
    assert page.index("Same-day risk assessment") < page.index("Mother-infant psychotherapy")
    assert "-0.25 (95% CI -0.40 to -0.09)" in page and "only in the short term" in page
    # a high score asks "how to treat?": treatment evidence, not the USPSTF prevention recommendation
    assert "Clinical Practice Guideline No. 5 (2023)" in page and "grade B" not in page
    response = client.post(
        reverse("refer", args=[urgent.code]),
        {"pathway": "mip", "provider": provider.pk, "urgency": "urgent", "note": "Please see soon"},
    )
    referral = Referral.objects.get()
    assert response.url == reverse("referral_detail", args=[referral.code])
    assert (referral.pathway, referral.provider, referral.status, referral.was_recommended) == (
        "mip",
        provider,
        "requested",
        True,
    )
    urgent.refresh_from_db()
    assert urgent.reviewed_at is not None


def test_choosing_a_pathway_that_was_not_recommended_asks_for_a_reason(login, clinician, mother, front_desk):
    screening = enter_epds(mother, [1, 1, 1, 1, 2, 2, 2, 1, 3, 3], front_desk)  # possible, total 10
    client = login(clinician)
    response = client.post(
        reverse("refer", args=[screening.code]), {"pathway": "psychiatric_evaluation", "urgency": "routine"}
    )
    assert response.status_code == 200 and "say why you chose it" in response.content.decode()
    assert re.search(r'value="psychiatric_evaluation"[^>]*checked', response.content.decode())  # kept
    assert not Referral.objects.exists()
    client.post(
        reverse("refer", args=[screening.code]),
        {"pathway": "psychiatric_evaluation", "urgency": "routine", "override_reason": "Known bipolar disorder"},
    )
    referral = Referral.objects.get()
    assert (referral.was_recommended, referral.override_reason) == (False, "Known bipolar disorder")


def test_a_provider_that_does_not_offer_the_pathway_is_refused(login, clinician, urgent, provider):
    response = login(clinician).post(
        reverse("refer", args=[urgent.code]),
        {"pathway": "same_day_assessment", "provider": provider.pk, "urgency": "same_day"},
    )
    assert "does not offer that pathway" in response.content.decode()


def test_a_decision_takes_a_positive_screen_off_the_worklist(login, clinician, mother, front_desk):
    screening = enter_epds(mother, [1, 1, 1, 1, 2, 2, 2, 1, 3, 3], front_desk)
    client = login(clinician)
    assert screening.mother.full_name in client.get(reverse("worklist")).content.decode()
    client.post(reverse("decide", args=[screening.code]), {"kind": "in_care", "note": "Sees a therapist weekly"})
    assert Decision.objects.get(screening=screening).kind == "in_care"
    assert screening.mother.full_name not in client.get(reverse("worklist")).content.decode()


def test_every_page_shows_the_alert_until_a_clinician_acknowledges_it(
    login, clinician, clinic_admin, front_desk, urgent
):
    alert = Alert.objects.get()
    for user in (clinician, clinic_admin):
        for url in (reverse("home"), reverse("mother_list"), reverse("provider_list")):
            assert "Self-harm answer not yet acknowledged" in login(user).get(url).content.decode()
    assert "not yet acknowledged" not in login(front_desk).get(reverse("home")).content.decode()
    page = login(clinician).get(reverse("alert_detail", args=[alert.code])).content.decode()
    assert "988" in page and "1-833-852-6262" in page
    missing = login(clinician).post(reverse("alert_acknowledge", args=[alert.code]), {"action": "other", "note": ""})
    assert "Say what was done" in missing.content.decode()
    login(clinician).post(reverse("alert_acknowledge", args=[alert.code]), {"action": "called", "note": "Safe at home"})
    alert.refresh_from_db()
    assert (alert.action, alert.note, alert.acknowledged_by) == ("called", "Safe at home", clinician)
    assert "not yet acknowledged" not in login(clinic_admin).get(reverse("home")).content.decode()
    assert AuditEntry.objects.filter(summary="alert acknowledged: called").exists()


def test_crisis_resources_follow_the_clinic_and_the_mothers_language(login, clinician, clinic_a, urgent):
    mother = urgent.mother
    mother.preferred_language = "es"
    mother.save()
    alert = Alert.objects.get()
    page = login(clinician).get(reverse("alert_detail", args=[alert.code])).content.decode()
    assert "Línea de Prevención del Suicidio" in page
    CrisisResource.objects.create(clinic=clinic_a, language="es", name="Línea local", contact="555-0199")
    page = login(clinician).get(reverse("alert_detail", args=[alert.code])).content.decode()
    # the clinic's own line is added after the national ones, which it can never replace
    assert page.index("Línea de Prevención") < page.index("Línea local")


def test_the_referral_moves_through_its_lifecycle_and_shows_its_history(login, clinician, referral):
    client = login(clinician)
    url = reverse("referral_transition", args=[referral.code])
    client.post(url, {"target": "accepted"})
    client.post(url, {"target": "in-progress", "first_session_on": clinic_today().isoformat()})
    refused = client.post(url, {"target": "completed"})
    assert "Record how many sessions" in refused.content.decode()
    client.post(url, {"target": "completed", "sessions_attended": "6", "closing_note": "Mood improved"})
    referral.refresh_from_db()
    assert referral.status == "completed" and referral.sessions_attended == 6
    page = client.get(reverse("referral_detail", args=[referral.code])).content.decode()
    for label in ("Requested", "Accepted", "In progress", "Completed"):
        assert f"<td>{label}</td>" in page
    mother_page = client.get(reverse("mother_detail", args=[referral.mother.code])).content.decode()
    assert "Mother-infant psychotherapy" in mother_page and "In progress &rarr; Completed" in mother_page


def test_a_forbidden_transition_is_refused_with_a_message_and_changes_nothing(login, clinician, referral):
    response = login(clinician).post(reverse("referral_transition", args=[referral.code]), {"target": "completed"})
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    rejected = login(clinician).post(reverse("referral_transition", args=[referral.code]), {"target": "rejected"})
    assert "Give a reason for rejected by provider" in rejected.content.decode()
    referral.refresh_from_db()
    assert referral.status == "requested" and referral.events.count() == 1


def test_the_worklist_shows_alerts_positive_screens_and_breached_referrals_with_their_age(
    login, clinician, referral, mother, front_desk
):
    enter_epds(mother, [2, 2, 0, 2, 1, 1, 1, 1, 2, 3], front_desk)  # high, unreviewed
    with time_machine.travel(timezone.now() + timedelta(days=4)):
        page = login(clinician).get(reverse("worklist")).content.decode()
    assert "Self-harm alert to acknowledge" in page
    assert re.findall(r'<td class="waiting">([^<]*)</td>', page) == ["4\xa0days"]  # her wait, in the Waiting column
    assert "risk-urgent" in page  # her open self-harm alert outranks the later high screen
    # a referral after a self-harm answer is urgent: the clinic's urgent limits apply (1 and 7 days)
    assert "Urgent (within a week)" in page and "Not accepted within 1 day" in page
    with time_machine.travel(timezone.now() + timedelta(days=31)):
        page = login(clinician).get(reverse("worklist")).content.decode()
    assert "past the 30-day follow-up limit" in page and "No first session within 7 days" in page


def test_the_worklist_pages_through_every_mother_longest_waiting_first(login, clinician, clinic_a, front_desk):
    mothers = [make_mother(clinic_a, front_desk, record_number=f"W-{n:03}") for n in range(PER_PAGE + 2)]
    start = timezone.now() - timedelta(days=10)
    for n, mother in enumerate(mothers):
        with time_machine.travel(start + timedelta(hours=n), tick=False):
            enter_epds(mother, [3, 3, 0, 3, 3, 3, 3, 3, 3, 3], front_desk)  # 12, possible
    client = login(clinician)
    first = client.get(reverse("worklist")).content.decode()
    second = client.get(reverse("worklist") + "?page=2").content.decode()
    assert f"{PER_PAGE + 2} mothers need a clinician." in first
    on_first = [m.record_number for m in mothers if f'data-mother="{m.record_number}"' in first]
    on_second = [m.record_number for m in mothers if f'data-mother="{m.record_number}"' in second]
    assert on_first == [m.record_number for m in mothers[:PER_PAGE]]  # the oldest are never hidden
    assert on_second == [m.record_number for m in mothers[PER_PAGE:]]
    assert first.index('data-mother="W-000"') < first.index('data-mother="W-001"')


def test_the_worklist_puts_alerts_before_older_positive_screens(login, clinician, clinic_a, front_desk):
    waiting_long = make_mother(clinic_a, front_desk, record_number="OLD")
    with time_machine.travel(timezone.now() - timedelta(days=20), tick=False):
        enter_epds(waiting_long, [3, 3, 0, 3, 0, 0, 0, 0, 0, 3], front_desk)  # 27, no self-harm
    alerted = make_mother(clinic_a, front_desk, record_number="NEW")
    enter_epds(alerted, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], front_desk)
    page = login(clinician).get(reverse("worklist")).content.decode()
    assert page.index('data-mother="NEW"') < page.index('data-mother="OLD"')
    assert "Self-harm alert to acknowledge" in page.split('data-mother="NEW"')[1].split("</tr>")[0]


def test_admin_maintains_the_provider_directory(login, clinic_admin, clinic_a):
    client = login(clinic_admin)
    client.post(
        reverse("provider_create"),
        {
            "name": "Calm Minds",
            "pathways": ["cbt", "ipt"],
            "contact": "555-0101",
            "languages": ["es"],
            "accepting": "on",
            "typical_wait_weeks": "3",
        },
    )
    provider = Provider.objects.get(clinic=clinic_a)
    assert (provider.pathways, provider.languages, provider.accepting) == (["cbt", "ipt"], ["es"], True)
    client.post(
        reverse("provider_edit", args=[provider.code]),
        {
            "name": "Calm Minds",
            "pathways": ["cbt"],
            "contact": "555-0101",
            "languages": ["es"],
            "typical_wait_weeks": "6",
        },
    )
    provider.refresh_from_db()
    assert (provider.pathways, provider.accepting, provider.typical_wait_weeks) == (["cbt"], False, 6)
    assert "Calm Minds" in client.get(reverse("provider_list")).content.decode()


def test_admin_sets_time_limits_on_call_address_and_crisis_resources(login, clinic_admin, clinic_a):
    data = {
        "on_call_email": "oncall@example.org",
        "escalate_after_minutes": "30",
        "accept_within_days": "2",
        "first_session_within_days": "10",
        "prenatal_weeks": "28",
        "infant_visit_months": "1,2,4,6",
        "rescreen_after_days": "14",
        "post_therapy_days": "0,90,180",
        "routine_months": "6",
        "reminder_days": "3,7",
        "overdue_after_days": "14",
        "routine_window_days": "14",
        "send_from_hour": "9",
        "send_until_hour": "19",
        "follow_up_within_days": "30",
        "urgent_accept_within_days": "1",
        "urgent_first_session_within_days": "7",
        "same_day_accept_within_days": "1",
        "same_day_first_session_within_days": "1",
        "safety_follow_up_days": "7",
        "crisis-TOTAL_FORMS": "1",
        "crisis-INITIAL_FORMS": "0",
        "crisis-MIN_NUM_FORMS": "0",
        "crisis-MAX_NUM_FORMS": "1000",
        "crisis-0-language": "en",
        "crisis-0-name": "County crisis line",
        "crisis-0-contact": "555-0111",
        "crisis-0-description": "",
        "crisis-0-position": "0",
    }
    response = login(clinic_admin).post(reverse("referral_settings"), data)
    assert response.status_code == 302
    limits = ReferralSettings.objects.get(clinic=clinic_a)
    assert (limits.on_call_email, limits.escalate_after_minutes, limits.accept_within_days) == (
        "oncall@example.org",
        30,
        2,
    )
    assert CrisisResource.objects.get(clinic=clinic_a).name == "County crisis line"
    too_short = login(clinic_admin).post(reverse("referral_settings"), {**data, "escalate_after_minutes": "1"})
    assert "Ensure this value is greater than or equal to 5." in too_short.content.decode()


def test_another_clinics_alert_and_referral_stay_hidden(login, outsider, referral):
    page = login(outsider).get(reverse("worklist")).content.decode()
    assert referral.mother.full_name not in page and "not yet acknowledged" not in page


def test_the_banner_counts_every_open_alert_and_lists_the_newest_five(login, clinician, clinic_a, front_desk):
    from ..conftest import make_mother

    for n in range(6):
        enter_epds(
            make_mother(clinic_a, front_desk, record_number=f"B-{n}"), [0, 0, 3, 0, 3, 3, 3, 3, 3, 2], front_desk
        )
    page = login(clinician).get(reverse("home")).content.decode()
    assert "6 self-harm answers not yet acknowledged" in page
    assert page.count('href="/alerts/') == 5 and "See them all on the worklist" in page


def test_the_worklist_ranks_and_filters_by_her_latest_screen_taken_not_the_latest_entered(
    login, clinician, clinic_a, front_desk
):
    mother = make_mother(clinic_a, front_desk, record_number="LATE")
    today = clinic_today()
    enter_epds(mother, [2, 2, 0, 2, 1, 1, 1, 1, 2, 3], front_desk, taken_on=today)  # high, today
    enter_epds(mother, [1, 1, 1, 1, 2, 2, 2, 1, 3, 3], front_desk, taken_on=today - timedelta(days=9))  # paper, older
    client = login(clinician)
    row = client.get(reverse("worklist")).content.decode().split('data-mother="LATE"')[1].split("</tr>")[0]
    assert "risk-high" in row and "risk-possible" not in row
    assert 'data-mother="LATE"' in client.get(reverse("worklist") + "?risk=high").content.decode()
    assert 'data-mother="LATE"' not in client.get(reverse("worklist") + "?risk=possible").content.decode()


def test_the_worklist_puts_higher_risk_first_however_long_the_other_waited(login, clinician, clinic_a, front_desk):
    from screening.demo import EPDS_EXAMPLES

    possible = make_mother(clinic_a, front_desk, record_number="POSSIBLE", preferred_language="es")
    with time_machine.travel(timezone.now() - timedelta(days=5), tick=False):
        enter_epds(possible, EPDS_EXAMPLES["possible"], front_desk)  # waiting five days longer
    probable = make_mother(clinic_a, front_desk, record_number="PROBABLE")
    enter_epds(probable, EPDS_EXAMPLES["probable"], front_desk)
    high = make_mother(clinic_a, front_desk, record_number="HIGH")
    enter_epds(high, EPDS_EXAMPLES["high"], front_desk)
    client = login(clinician)
    page = client.get(reverse("worklist")).content.decode()
    shown = sorted(["POSSIBLE", "PROBABLE", "HIGH"], key=lambda r: page.index(f'data-mother="{r}"'))
    assert shown == ["HIGH", "PROBABLE", "POSSIBLE"]
    spanish = client.get(reverse("worklist"), {"language": "es"}).content.decode()
    english = client.get(reverse("worklist"), {"language": "en"}).content.decode()
    assert 'data-mother="POSSIBLE"' in spanish and 'data-mother="HIGH"' not in spanish
    assert 'data-mother="HIGH"' in english and 'data-mother="POSSIBLE"' not in english
