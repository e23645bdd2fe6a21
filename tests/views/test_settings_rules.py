"""Settings that used to be ignored without a word, and cut-offs raised beyond the evidence (issue 13)."""

from django.urls import reverse

from screening.models import AuditEntry, ThresholdSet


def thresholds(prefix, **values):
    base = dict(
        epds_possible=10,
        epds_probable=13,
        epds_high=15,
        epds_anxiety=6,
        phq9_probable=10,
        phq9_high=15,
        phq2_positive=3,
        gad7_anxiety=10,
    )
    base.update(values)
    return {f"{prefix}-{k}": str(v) for k, v in base.items()}


def settings_post(**postnatal):
    return {
        "clinic-time_zone": "America/New_York",
        **thresholds("antenatal"),
        **thresholds("postnatal", **postnatal),
    }


def test_cut_offs_above_every_published_one_need_a_written_reason_which_is_audited(login, clinic_admin, clinic_a):
    client = login(clinic_admin)
    refused = client.post(reverse("clinic_settings"), settings_post(epds_possible=14, epds_probable=16, epds_high=18))
    assert refused.status_code == 200 and "above every published cut-off" in refused.content.decode()
    assert not ThresholdSet.objects.filter(clinic=clinic_a, context="postnatal", epds_possible=14).exists()
    client.post(
        reverse("clinic_settings"),
        settings_post(
            epds_possible=14, epds_probable=16, epds_high=18, reason="Pilot with the county's own validation"
        ),
    )
    assert ThresholdSet.objects.get(clinic=clinic_a, context="postnatal").epds_possible == 14
    entry = AuditEntry.objects.filter(clinic=clinic_a, object_type="Clinic").latest("at")
    assert "epds_possible" in entry.summary and "county's own validation" in entry.summary


def test_the_published_cut_offs_need_no_reason(login, clinic_admin, clinic_a):
    response = login(clinic_admin).post(reverse("clinic_settings"), settings_post(epds_possible=13, epds_probable=15))
    assert response.status_code == 302


def test_infant_visits_after_the_routine_window_are_refused_with_a_message(login, clinic_admin):
    data = {
        "on_call_email": "oncall@example.org",
        "escalate_after_minutes": "60",
        "accept_within_days": "3",
        "first_session_within_days": "14",
        "urgent_accept_within_days": "1",
        "urgent_first_session_within_days": "7",
        "same_day_accept_within_days": "1",
        "same_day_first_session_within_days": "1",
        "follow_up_within_days": "30",
        "safety_follow_up_days": "7",
        "prenatal_weeks": "28",
        "infant_visit_months": "1,2,4,6,9,12",
        "rescreen_after_days": "14",
        "post_therapy_days": "0,90,180",
        "routine_months": "6",
        "reminder_days": "3,7",
        "overdue_after_days": "14",
        "routine_window_days": "14",
        "send_from_hour": "9",
        "send_until_hour": "19",
        "crisis-TOTAL_FORMS": "0",
        "crisis-INITIAL_FORMS": "0",
    }
    page = login(clinic_admin).post(reverse("referral_settings"), data).content.decode()
    assert "9, 12 is after the routine window of 6 months" in page
    ok = login(clinic_admin).post(reverse("referral_settings"), {**data, "routine_months": "12"})
    assert ok.status_code == 302
