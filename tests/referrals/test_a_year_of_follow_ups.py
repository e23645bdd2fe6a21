"""A mother's year under frozen time: pregnancy, delivery, each visit, a borderline score and its
rescreen, a mother-infant psychotherapy referral and the rescreens after it."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.test import Client
from django.urls import reverse

from referrals import dispatch, services
from referrals.models import FollowUp

from ..conftest import make_mother

NEW_YORK = ZoneInfo("America/New_York")
CALM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]  # EPDS 0
POSSIBLE = [1, 1, 1, 1, 2, 2, 2, 1, 3, 3]  # EPDS 10
PROBABLE = [1, 1, 1, 2, 1, 1, 2, 2, 2, 3]  # EPDS 13


def test_a_year_of_follow_ups(clinic_a, front_desk, clinician, login, django_capture_on_commit_callbacks):
    clinic_a.epds_online_permission = True
    clinic_a.save()
    staff = login(clinician)
    phone = Client()

    def on(day):
        return time_machine.travel(datetime.combine(day, time(11), NEW_YORK), tick=False)

    def run():
        with django_capture_on_commit_callbacks(execute=True):
            return dispatch.dispatch()

    def open_follow_ups():
        return {f.key: f.due_on for f in FollowUp.objects.filter(status__in=["scheduled", "invited"])}

    def answer(key, answers):
        follow_up = FollowUp.objects.get(key__startswith=key, status="invited")
        link = next(m.body for m in reversed(mail.outbox) if "/q/" in m.body)
        token = link.split("/q/")[1].split("/")[0]
        with django_capture_on_commit_callbacks(execute=True):
            for number, position in enumerate(answers, start=1):
                phone.post(f"/q/{token}/{number}/", {"answer": str(position)})
            phone.post(f"/q/{token}/submit/")
        follow_up.refresh_from_db()
        assert follow_up.status == "completed", key
        return follow_up.screening

    # January: registered in pregnancy, due mid-June.
    with on(date(2026, 1, 5)):
        with django_capture_on_commit_callbacks(execute=True):
            mother = make_mother(
                clinic_a, front_desk, record_number="Y-1", delivered_days_ago=None, due_date=date(2026, 6, 15)
            )
            services.on_mother_changed(None, mother)
        assert open_follow_ups() == {"prenatal-first": date(2026, 1, 5), "prenatal-28w": date(2026, 3, 23)}
        assert run()["invited"] == 1
        answer("prenatal-first", CALM)
    with on(date(2026, 3, 23)):
        assert run()["invited"] == 1
        answer("prenatal-28w", CALM)
    assert open_follow_ups() == {}

    # June: the baby is born; the staff record the delivery.
    with on(date(2026, 6, 16)):
        edit = {
            "given_name": mother.given_name,
            "family_name": mother.family_name,
            "date_of_birth": "1994-05-17",
            "record_number": "Y-1",
            "preferred_language": "en",
            "email": mother.email,
            "email_consent": "on",
            "status": "delivered",
            "delivery_date": "2026-06-15",
            "infants-TOTAL_FORMS": "1",
            "infants-INITIAL_FORMS": "0",
            "infants-0-date_of_birth": "2026-06-15",
            "infants-0-given_name": "Ana",
        }
        assert staff.post(reverse("mother_edit", args=[mother.code]), edit).status_code == 302
        assert open_follow_ups() == {
            "infant-1m": date(2026, 7, 15),
            "infant-2m": date(2026, 8, 15),
            "infant-4m": date(2026, 10, 15),
            "infant-6m": date(2026, 12, 15),
        }

    # The 1-month visit finds a possible depression: a rescreen 2 weeks later.
    with on(date(2026, 7, 15)):
        run()
        borderline = answer("infant-1m", POSSIBLE)
    assert open_follow_ups()[f"rescreen-{borderline.code}"] == date(2026, 7, 29)
    with on(date(2026, 7, 29)):
        run()
        probable = answer("rescreen-", PROBABLE)
        referral = services.create_referral(mother=mother, screening=probable, pathway="mip", actor=clinician)
    assert open_follow_ups()[f"rescreen-{probable.code}"] == date(2026, 8, 12)

    # Therapy from August to November; the 2- and 4-month visits go on meanwhile.
    with on(date(2026, 8, 12)):
        run()
        answer("rescreen-", CALM)
    with on(date(2026, 8, 15)):
        assert FollowUp.objects.get(key="infant-2m").status == "completed"  # the calm rescreen 3 days before did it
        services.transition(referral, "accepted", actor=clinician)
        services.transition(referral, "in-progress", actor=clinician)
    with on(date(2026, 10, 15)):
        run()
        answer("infant-4m", CALM)
    with on(date(2026, 11, 20)):
        services.transition(referral, "completed", actor=clinician, sessions_attended=10)
        due = open_follow_ups()
        assert due[f"after-{referral.code}-0"] == date(2026, 11, 20)
        assert due[f"after-{referral.code}-90"] == date(2027, 2, 18)
        assert due[f"after-{referral.code}-180"] == date(2027, 5, 19)
        run()
        answer(f"after-{referral.code}-0", CALM)
    with on(date(2026, 12, 15)):
        run()
        answer("infant-6m", CALM)

    # The next year: the rescreens after therapy, beyond the routine six months.
    with on(date(2027, 2, 18)):
        run()
        relapse = answer(f"after-{referral.code}-90", POSSIBLE)  # relapse caught
    # Beyond the routine six months a positive score still gets its rescreen two weeks later.
    assert open_follow_ups()[f"rescreen-{relapse.code}"] == date(2027, 3, 4)
    with on(date(2027, 3, 4)):
        run()
        answer("rescreen-", CALM)
    with on(date(2027, 5, 19)):
        run()
        answer(f"after-{referral.code}-180", CALM)

    done = list(FollowUp.objects.filter(status="completed").order_by("due_on").values_list("key", flat=True))
    assert [
        k.split("-")[0] + ("-" + k.split("-")[-1] if k.startswith(("after", "infant", "prenatal")) else "")
        for k in done
    ] == [
        "prenatal-first",
        "prenatal-28w",
        "infant-1m",
        "rescreen",
        "rescreen",
        "infant-2m",
        "infant-4m",
        "after-0",
        "infant-6m",
        "after-90",
        "rescreen",
        "after-180",
    ]
    assert not FollowUp.objects.filter(status="invited").exists()
    assert not FollowUp.objects.filter(status="scheduled").exists()
    assert mother.screenings.count() == 11 and len(mail.outbox) == 11
