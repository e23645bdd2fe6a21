"""axe-core finds nothing on any staff page, as a clinic admin (who sees them all) with a mother
on every path: an alert, a referral, an invitation, follow-ups (issue 18). The mother's pages are
checked by test_mother_online.py along her journey."""

import pytest
from django.urls import reverse

from referrals import services
from referrals.models import Alert, Provider
from screening import instruments, invitations
from screening.models import Mother

from ..conftest import PASSWORD, enter_epds
from .conftest import log_in

pytestmark = pytest.mark.browser

SELF_HARM = [1, 1, 1, 2, 1, 1, 2, 2, 2, 1]


@pytest.mark.parametrize("width", [1366, 768, 390])
def test_every_staff_page_passes_axe(
    transactional_db, clinic_admin, front_desk, mother, live_server, page, visit, width
):
    page.set_viewport_size({"width": width, "height": 900})
    provider = Provider.objects.create(clinic=mother.clinic, name="Harbor CBT", pathways=["cbt"], contact="555-0101")
    screening = enter_epds(mother, SELF_HARM, front_desk)
    services.on_mother_changed(Mother, mother)
    referral = services.create_referral(
        mother=mother, pathway="cbt", actor=clinic_admin, screening=screening, provider=provider
    )
    invitation = invitations.create_invitation(
        mother=mother, instrument=instruments.PHQ9, created_by=clinic_admin, channels=["link"]
    )
    alert = Alert.objects.get()
    urls = [
        reverse("home"),
        reverse("mother_list"),
        reverse("mother_list") + "?q=Maria",
        reverse("mother_create"),
        reverse("mother_detail", args=[mother.code]),
        reverse("mother_edit", args=[mother.code]),
        reverse("mother_history", args=[mother.code]),
        reverse("screening_start", args=[mother.code]),
        reverse("screening_create", args=[mother.code, "EPDS"]),
        reverse("screening_create", args=[mother.code, "PHQ-9"]),
        reverse("screening_detail", args=[screening.code]),
        reverse("refer", args=[screening.code]),
        reverse("alert_detail", args=[alert.code]),
        reverse("referral_detail", args=[referral.code]),
        reverse("referral_letter", args=[referral.code]),
        reverse("worklist"),
        reverse("follow_up_list"),
        reverse("follow_up_list") + "?show=overdue",
        reverse("invite", args=[mother.code]),
        reverse("invitation_detail", args=[invitation.code]),
        reverse("crisis_card", args=[mother.code]),
        reverse("provider_list"),
        reverse("provider_create"),
        reverse("provider_edit", args=[provider.code]),
        reverse("reports"),
        reverse("clinic_settings"),
        reverse("referral_settings"),
        reverse("staff_list"),
        reverse("staff_add"),
        reverse("audit_log"),
        reverse("audit_log") + "?mother=NOPE",
        reverse("api_clients"),
        reverse("password_change"),
    ]
    log_in(page, live_server, clinic_admin.username, PASSWORD)
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        visit.check_accessibility()
    page.goto(live_server.url + reverse("mother_create"))
    page.get_by_role("button", name="Save").click()  # a form sent back with its error summary
    page.locator("#error-summary").wait_for()
    visit.check_accessibility()
    visit.assert_clean()
