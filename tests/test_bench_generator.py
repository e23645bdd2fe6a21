"""The bench generator (bench/generate/, a part per table group) still fills a network the app reads:
a small one here, so a model change that breaks it fails the suite, not the next bench run."""

import pytest
from django.urls import reverse

from bench.generate import copying, generate
from bench.generate.copying import PASSWORD
from referrals.models import Alert, Concern, Decision, FollowUp, Referral
from referrals.reports.base import stored_in_use
from referrals.tasks import refresh_report_facts
from screening.models import Clinic, Membership, Mother, Screening, User
from screening.risk import POSITIVE_LEVELS


@pytest.mark.django_db
def test_the_generator_fills_a_small_network_that_the_pages_read(login):
    assert generate(2, 40, 400, 30) is not None
    clinics = Clinic.objects.filter(name__startswith="Bench clinic")
    assert clinics.count() == 2
    assert Membership.objects.filter(clinic__in=clinics).count() == 2 * 3 + 2  # three staff each, the network admin
    assert Mother.objects.filter(clinic__in=clinics).count() == 40
    assert Screening.objects.count() == 400 and Referral.objects.count() == 30
    assert FollowUp.objects.filter(kind="infant_visit").count() == 40 * 4  # the infant's 1, 2, 4 and 6-month visits
    # the dispatcher run takes one scheduled follow-up per mother: every mother has one
    assert FollowUp.objects.filter(status="scheduled").values("mother").distinct().count() == 40
    assert Alert.objects.count() == Screening.objects.filter(self_harm=True).count()
    assert Mother.objects.exclude(latest_risk="").exists()  # kept as record_screening keeps it
    # every date it writes counts from the clinics' today, not the machine's (UTC), a day ahead every evening
    assert copying.TODAY == clinics.first().today()
    # her positive latest screen opened a concern unless a referral is open; some have a decision since
    waiting = Mother.objects.filter(latest_risk__in=POSITIVE_LEVELS).exclude(referrals__in=Referral.objects.open())
    assert waiting.count() >= 4
    assert set(Concern.objects.open().values_list("mother", flat=True)) == set(waiting.values_list("pk", flat=True))
    assert Decision.objects.count() == waiting.count() // 4
    assert generate(2, 40, 400, 30) is None  # loaded once
    clinician = User.objects.get(username="bench-clinician-000")
    assert clinician.check_password(PASSWORD)
    assert login(clinician).get(reverse("worklist")).status_code == 200
    if stored_in_use():
        assert refresh_report_facts() >= 40  # every mother's facts computed from generated rows
    admin = User.objects.get(username="bench-clinic_admin-000")
    assert login(admin).get(reverse("reports")).status_code == 200
