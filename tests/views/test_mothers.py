from datetime import timedelta

from django.urls import reverse

from screening.models import AuditEntry, Mother

from ..conftest import clinic_today, make_mother


def registration(**overrides):
    today = clinic_today()
    data = {
        "given_name": "Sofia",
        "family_name": "Reyes",
        "date_of_birth": "1996-02-03",
        "record_number": "R-777",
        "preferred_language": "es",
        "email": "sofia@example.org",
        "email_consent": "on",
        "phone": "+15550001111",
        "sms_consent": "on",
        "status": "delivered",
        "due_date": "",
        "delivery_date": (today - timedelta(days=20)).isoformat(),
        "infants-TOTAL_FORMS": "1",
        "infants-INITIAL_FORMS": "0",
        "infants-MIN_NUM_FORMS": "0",
        "infants-MAX_NUM_FORMS": "8",
        "infants-0-given_name": "Lia",
        "infants-0-date_of_birth": (today - timedelta(days=20)).isoformat(),
    }
    data.update(overrides)
    return data


def test_front_desk_registers_a_mother_with_her_infant(login, front_desk, clinic_a):
    response = login(front_desk).post(reverse("mother_create"), registration())
    mother = Mother.objects.get(record_number="R-777")
    assert response.url == reverse("mother_detail", args=[mother.code])
    assert mother.clinic == clinic_a and mother.created_by == front_desk
    assert [i.given_name for i in mother.infants.all()] == ["Lia"]
    assert AuditEntry.objects.filter(action="create", object_code=mother.code, actor=front_desk).exists()


def test_a_pregnant_mother_needs_a_due_date_and_keeps_what_was_typed(login, front_desk):
    response = login(front_desk).post(reverse("mother_create"), registration(status="pregnant", delivery_date=""))
    assert response.status_code == 200
    assert "Enter the due date" in response.content.decode()
    assert 'value="Sofia"' in response.content.decode()
    assert not Mother.objects.exists()


def test_record_number_is_unique_within_a_clinic_only(login, front_desk, outsider, mother):
    clash = login(front_desk).post(reverse("mother_create"), registration(record_number=mother.record_number))
    assert "Another mother at this clinic has this record number" in clash.content.decode()
    other_clinic = login(outsider).post(reverse("mother_create"), registration(record_number=mother.record_number))
    assert other_clinic.status_code == 302


def test_consent_without_a_contact_is_refused(login, front_desk):
    response = login(front_desk).post(reverse("mother_create"), registration(email="", phone=""))
    body = response.content.decode()
    assert "untick the consent to email" in body and "untick the consent to text" in body


def test_future_dates_are_refused(login, front_desk):
    future = (clinic_today() + timedelta(days=3)).isoformat()
    response = login(front_desk).post(reverse("mother_create"), registration(delivery_date=future))
    assert "This date is in the future" in response.content.decode()


def test_malformed_dates_get_a_message_not_an_error(login, front_desk):
    response = login(front_desk).post(
        reverse("mother_create"), registration(date_of_birth="17/05/x", **{"infants-TOTAL_FORMS": "zz"})
    )
    assert response.status_code == 200
    assert "Enter a valid date" in response.content.decode()


def test_search_by_name_or_record_number(login, front_desk, clinic_a, mother):
    other = make_mother(clinic_a, front_desk, record_number="A-200", given_name="Zoe", family_name="Park")
    client = login(front_desk)
    by_name = client.get(reverse("mother_list"), {"q": "lopez"}).content.decode()
    assert mother.full_name in by_name and other.full_name not in by_name
    by_number = client.get(reverse("mother_list"), {"q": "a-200"})  # a record number: straight to her page
    assert by_number.url == reverse("mother_detail", args=[other.code])
    assert AuditEntry.objects.filter(action="search").count() == 2


def test_editing_keeps_a_history_of_who_changed_what(login, front_desk, clinician, mother):
    data = registration(record_number=mother.record_number, family_name="Lopez-Diaz", **{"infants-TOTAL_FORMS": "0"})
    login(clinician).post(reverse("mother_edit", args=[mother.code]), data)
    mother.refresh_from_db()
    assert mother.family_name == "Lopez-Diaz"
    page = login(front_desk).get(reverse("mother_history", args=[mother.code])).content.decode()
    assert "family_name: Lopez" in page and "Lopez-Diaz" in page and "alice" in page
    assert AuditEntry.objects.filter(action="update", object_code=mother.code, actor=clinician).exists()


def test_viewing_a_mother_is_audited_and_shows_her_screenings_in_time_order(login, clinician, mother, front_desk):
    from ..conftest import enter_epds

    today = clinic_today()
    later = enter_epds(mother, [0] * 9 + [3], front_desk, taken_on=today)
    earlier = enter_epds(mother, [2] * 9 + [3], front_desk, taken_on=today - timedelta(days=14))
    page = login(clinician).get(reverse("mother_detail", args=[mother.code])).content.decode()
    assert page.index(str(earlier.code)) < page.index(str(later.code))
    assert AuditEntry.objects.filter(action="view", object_code=mother.code, actor=clinician).count() == 1


def test_front_desk_sees_no_scores_on_the_mothers_page(login, front_desk, screening):
    page = login(front_desk).get(reverse("mother_detail", args=[screening.mother.code])).content.decode()
    assert "Self-harm" not in page and "Urgent" not in page and str(screening.code) not in page


def test_the_database_holds_record_numbers_unique_per_clinic_whatever_their_case(mother, front_desk):
    import pytest
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        make_mother(mother.clinic, front_desk, record_number=mother.record_number.lower())


def test_a_record_number_in_use_is_reported_with_the_other_mistakes_before_saving(login, front_desk, mother):
    response = login(front_desk).post(
        reverse("mother_create"), registration(record_number=mother.record_number.lower(), status="pregnant")
    )
    page = response.content.decode()
    assert "Another mother at this clinic has this record number" in page and "Enter the due date" in page


def test_two_registrations_racing_give_one_mother_and_a_clear_message(login, front_desk, clinic_a, monkeypatch):
    """The form's own check passed for both (each before the other saved): the database decides,
    and the second gets the message with everything she typed, never a server error."""
    from screening.models import Mother

    monkeypatch.setattr(Mother, "validate_constraints", lambda mother, exclude=None: None)
    make_mother(clinic_a, front_desk, record_number="r-777")  # the colleague's, a moment earlier
    response = login(front_desk).post(reverse("mother_create"), registration(record_number="R-777"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Another mother at this clinic has this record number" in page and 'value="Sofia"' in page
    assert Mother.objects.filter(record_number__iexact="r-777").count() == 1


def test_her_page_opens_with_her_age_weeks_postpartum_and_her_infants_age(login, front_desk, clinic_a):
    from datetime import date

    today = clinic_a.today()
    born = date(today.year - 31, 1, 1)
    mother = make_mother(clinic_a, front_desk, record_number="H-1", delivered_days_ago=44, date_of_birth=born)
    page = login(front_desk).get(reverse("mother_detail", args=[mother.code])).content.decode()
    facts = page.split('id="mother-facts">')[1].split("</p>")[0]
    assert "31 years old" in facts and "6 weeks postpartum" in facts and "Leo: 6 weeks" in facts


def test_a_pregnant_mothers_page_says_how_many_weeks(login, front_desk, clinic_a):
    today = clinic_a.today()
    mother = make_mother(
        clinic_a, front_desk, record_number="H-2", delivered_days_ago=None, due_date=today + timedelta(weeks=12)
    )
    page = login(front_desk).get(reverse("mother_detail", args=[mother.code])).content.decode()
    assert "28 weeks pregnant" in page.split('id="mother-facts">')[1].split("</p>")[0]
