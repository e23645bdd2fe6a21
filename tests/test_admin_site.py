"""The admin site never writes clinical records around the app (issue 17): screenings are
read-only there, the other clinical records read-mostly, and every admin change is mirrored in the
app's audit log; an operator's fix to a mother's dates goes through the same services."""

from datetime import timedelta

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import FollowUp, Provider
from screening.models import AuditEntry, Mother, User

from .conftest import enter_epds, make_mother, second_factor

POSITIVE = [2, 2, 1, 1, 1, 1, 2, 1, 2, 3]
SELF_HARM = [1, 1, 1, 1, 2, 2, 2, 1, 3, 2]  # 11, item 10 scores 1


@pytest.fixture
def root(client, db):
    user = User.objects.create_superuser("root", "root@example.org", "a-long-root-password-2026")
    return second_factor(client, user)


def test_screenings_cannot_be_added_changed_or_deleted_in_the_admin(root, mother, front_desk):
    screening = enter_epds(mother, POSITIVE, front_desk)
    assert root.get(reverse("admin:screening_screening_changelist")).status_code == 200
    assert root.get(reverse("admin:screening_screening_add")).status_code == 403
    assert (
        root.post(reverse("admin:screening_screening_delete", args=[screening.pk]), {"post": "yes"}).status_code == 403
    )
    page = root.get(reverse("admin:screening_screening_change", args=[screening.pk])).content.decode()
    assert 'name="total"' not in page and 'name="self_harm"' not in page  # shown, not editable
    assert mother.screenings.count() == 1


@pytest.mark.parametrize("model", ["referral", "alert", "followup", "provider"])
def test_the_other_clinical_records_are_listed_with_record_number_and_clinic(
    root, mother, front_desk, clinician, model
):
    services.on_mother_changed(Mother, mother)  # her follow-up schedule
    screening = enter_epds(mother, SELF_HARM, front_desk)  # positive, with an alert
    services.create_referral(mother=mother, pathway="cbt", actor=clinician, screening=screening, override_reason="x")
    Provider.objects.create(clinic=mother.clinic, name="Harbor", pathways=["cbt"], contact="x")
    page = root.get(reverse(f"admin:referrals_{model}_changelist")).content.decode()
    if model != "provider":
        assert f"{mother.record_number} {mother.full_name} ({mother.clinic.name})" in page
        assert root.get(reverse(f"admin:referrals_{model}_add")).status_code == 403


def test_an_admin_change_is_mirrored_in_the_apps_audit_log(root, clinic_a):
    data = {
        "name": "Riverside (renamed)",
        "time_zone": clinic_a.time_zone,
        "alert_escalation_minutes": getattr(clinic_a, "alert_escalation_minutes", 60),
    }
    form = root.get(reverse("admin:screening_clinic_change", args=[clinic_a.pk]))
    assert form.status_code == 200
    provider = Provider.objects.create(clinic=clinic_a, name="Harbor", pathways=["cbt"], contact="x")
    response = root.post(
        reverse("admin:referrals_provider_change", args=[provider.pk]),
        {
            "clinic": clinic_a.pk,
            "name": "Harbor Therapy",
            "pathways": '["cbt"]',
            "contact": "x",
            "languages": '["en"]',
            "accepting": "on",
            "typical_wait_weeks": "2",
            "referral_email": "",
        },
    )
    import re

    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    entry = AuditEntry.objects.filter(clinic=clinic_a, actor__username="root").latest("at")
    assert entry.action == "update" and entry.summary.startswith("admin site: Provider changed")
    assert data  # the clinic form is reachable; its fields vary, the provider's are fixed


def _mother_admin_form(mother, **changes):
    infant = mother.infants.get()
    data = {
        "clinic": mother.clinic_id,
        "given_name": mother.given_name,
        "family_name": mother.family_name,
        "date_of_birth": mother.date_of_birth.isoformat(),
        "record_number": mother.record_number,
        "preferred_language": mother.preferred_language,
        "email": mother.email,
        "email_consent": "on",
        "due_date": mother.delivery_date.isoformat(),
        "delivery_date": mother.delivery_date.isoformat(),
        "created_by": mother.created_by_id,
        "infants-TOTAL_FORMS": "1",
        "infants-INITIAL_FORMS": "1",
        "infants-0-id": infant.pk,
        "infants-0-mother": mother.pk,
        "infants-0-date_of_birth": infant.date_of_birth.isoformat(),
        "infants-0-given_name": "Leo",
    }
    return data | changes


def test_an_operator_giving_a_mother_a_record_number_in_use_gets_the_message_not_an_error(root, clinic_a, front_desk):
    make_mother(clinic_a, front_desk, record_number="D-1")
    mother = make_mother(clinic_a, front_desk, record_number="D-2")
    response = root.post(
        reverse("admin:screening_mother_change", args=[mother.pk]), _mother_admin_form(mother, record_number="d-1")
    )
    assert response.status_code == 200
    assert "Another mother at this clinic has this record number" in response.content.decode()
    mother.refresh_from_db()
    assert mother.record_number == "D-2"


def test_an_operators_fix_to_a_delivery_date_recomputes_her_follow_ups(root, clinic_a, front_desk):
    mother = make_mother(clinic_a, front_desk, record_number="D-1", delivered_days_ago=10)
    services.on_mother_changed(Mother, mother)
    before = sorted(FollowUp.objects.filter(mother=mother).values_list("due_on", flat=True))
    assert before
    later = (mother.delivery_date + timedelta(days=7)).isoformat()
    page = root.get(reverse("admin:screening_mother_change", args=[mother.pk]))
    assert page.status_code == 200
    data = _mother_admin_form(mother, due_date=later, delivery_date=later, **{"infants-0-date_of_birth": later})
    response = root.post(reverse("admin:screening_mother_change", args=[mother.pk]), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    after = sorted(FollowUp.objects.filter(mother=mother).exclude(status="cancelled").values_list("due_on", flat=True))
    assert after and after != before and min(after) >= min(before) + timedelta(days=7) - timedelta(days=1)
