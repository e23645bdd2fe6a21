"""Issue 26: a path counts only if it acts before her deadline (design rule 15). One test for each of
the eight ways a mother at risk used to leave every list with `care_gaps` silent, then the rules that
close them."""

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from referrals import care, dispatch, services
from referrals.forms import ReferralSettingsForm
from referrals.models import Alert, Concern, Decision, FollowUp, ReferralSettings
from screening import instruments, invitations
from screening.admin_forms import ThresholdForm
from screening.models import AuditEntry, Invitation, Mother, Role, ThresholdSet, User
from screening.risk import CEILINGS, DEFAULT_THRESHOLDS, assess
from screening.services import record_screening
from screening.signals import mother_changed

from ..conftest import clinic_today, enter_epds, make_mother, make_staff, second_factor
from ..test_admin_site import _mother_admin_form

POSSIBLE = [3, 3, 0, 3, 3, 3, 3, 3, 3, 3]  # EPDS 12, no self-harm
SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]  # EPDS 1, item 10 "Hardly ever"
NOON = timezone.make_aware(timezone.datetime(2026, 6, 1, 12, 0))


def paper(instrument, mother, answers, by):
    return record_screening(
        mother=mother,
        instrument=instrument,
        answers=answers,
        taken_on=clinic_today(),
        method="paper",
        entered_by=by,
    )


def worklist_lines(client):
    return client.get(reverse("worklist")).content.decode()


def gap_line(mother, now=None):
    gap = care.explain([mother.pk], now).get(mother.pk)
    return str(gap.what_to_do) if gap else None


@pytest.fixture
def acknowledged(clinic_a, front_desk, clinician):
    """A mother whose self-harm alert a clinician handled today, deciding no referral was needed: her
    7-day safety rescreen is her one path."""
    with time_machine.travel(NOON, tick=False):
        mother = make_mother(clinic_a, front_desk, delivered_days_ago=300)
        screening = enter_epds(mother, SELF_HARM, front_desk)
        services.acknowledge(screening.alert, actor=clinician, action="called", note="")
        services.record_decision(mother, screening=screening, kind="no_action", note="Safe at home", actor=clinician)
    return mother


# 1. Rescheduling -----------------------------------------------------------------------------------


def test_front_desk_cannot_move_the_safety_rescreen_and_a_clinician_needs_a_reason_past_her_deadline(
    acknowledged, login, front_desk, clinician
):
    safety = FollowUp.objects.get(mother=acknowledged, kind="safety")
    assert safety.due_on == date(2026, 6, 8)  # within 7 days of the alert being handled
    url = reverse("follow_up_reschedule", args=[safety.code])
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        page = login(front_desk).post(url, {"due_on": "2027-01-01", "note": "Family travelling"}, follow=True)
        assert "moved by a clinician" in page.content.decode()
        page = login(clinician).post(url, {"due_on": "2026-12-01", "note": "Travelling"}, follow=True)
        assert "after her deadline, June 8, 2026" in page.content.decode()
        safety.refresh_from_db()
        assert safety.due_on == date(2026, 6, 8)
        login(clinician).post(
            url, {"due_on": "2026-06-20", "note": "Travelling", "deferral": "In hospital, seen daily"}
        )
    safety.refresh_from_db()
    assert (safety.due_on, safety.rescheduled) == (date(2026, 6, 20), True)
    decision = Decision.objects.get(mother=acknowledged, kind="deferred")
    assert (decision.note, decision.decided_by) == ("In hospital, seen daily", clinician)
    assert Concern.objects.get(mother=acknowledged, closed_at__isnull=True).act_by == date(2026, 6, 20)
    assert AuditEntry.objects.filter(summary="deadline deferred to 2026-06-20", actor=clinician).exists()
    with time_machine.travel(NOON + timedelta(days=2), tick=False):
        assert not care.care_gaps(acknowledged.clinic).exists()


def test_a_follow_up_moved_years_ahead_behind_the_rules_back_puts_her_on_the_worklist(acknowledged, login, clinician):
    FollowUp.objects.filter(mother=acknowledged, kind="safety").update(due_on=date(2031, 6, 1), rescheduled=True)
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        assert list(care.care_gaps(acknowledged.clinic)) == [acknowledged]
        assert "due after her deadline" in gap_line(acknowledged)
        page = worklist_lines(login(clinician))
    assert f'data-mother="{acknowledged.record_number}"' in page
    assert "Nothing reaches her before her deadline" in page and "bring it forward" in page


def test_front_desk_moves_a_routine_screen_only_within_its_window(clinic_a, login, front_desk):
    with time_machine.travel(NOON, tick=False):
        mother = make_mother(clinic_a, front_desk, delivered_days_ago=20)
        services.settle(mother)
        visit = FollowUp.objects.get(mother=mother, key="infant-2m")
        url = reverse("follow_up_reschedule", args=[visit.code])
        last = visit.planned_on + timedelta(days=14)
        page = login(front_desk).post(url, {"due_on": str(last + timedelta(days=1)), "note": "Away"}, follow=True)
        assert f"can be moved up to {last:%B} {last.day}, {last.year}" in page.content.decode()
        login(front_desk).post(url, {"due_on": str(last), "note": "Away"})
    visit.refresh_from_db()
    assert visit.due_on == last


# 2. The sender stops -------------------------------------------------------------------------------


def test_a_follow_up_past_due_with_the_sender_stopped_is_no_path(acknowledged, login, clinician):
    with time_machine.travel(NOON + timedelta(days=7), tick=False):
        assert not care.care_gaps(acknowledged.clinic).exists()  # due today: the dispatcher has today
    later = NOON + timedelta(days=9, hours=4)  # nothing ran for two days after it was due; now in sending hours
    with time_machine.travel(later, tick=False):
        assert FollowUp.objects.get(mother=acknowledged, kind="safety").status == "scheduled"
        assert list(care.care_gaps(acknowledged.clinic)) == [acknowledged]
        assert "the sender has not run" in gap_line(acknowledged)
        assert "the sender has not run" in worklist_lines(login(clinician))
        out = StringIO()
        with pytest.raises(SystemExit):
            call_command("care_gaps", stdout=out, stderr=StringIO())
        assert "deadline 2026-06-08" in out.getvalue() and "the sender has not run" in out.getvalue()
        dispatch.dispatch(later)  # the sender runs again: she is invited, and reached in time once more
    with time_machine.travel(later, tick=False):
        assert FollowUp.objects.get(mother=acknowledged, kind="safety").status == "invited"
        assert gap_line(acknowledged) == "Not answered by her deadline: call her."  # 2026-06-08 has passed
        assert list(care.care_gaps(acknowledged.clinic)) == [acknowledged]  # her link reached her, too late


# 3. A link nobody hands over -----------------------------------------------------------------------


def test_a_link_only_invitation_counts_once_staff_hand_it_over(clinic_a, login, front_desk, clinician):
    with time_machine.travel(NOON, tick=False):
        mother = make_mother(clinic_a, front_desk, delivered_days_ago=300, email_consent=False)
        screening = enter_epds(mother, SELF_HARM, front_desk)
        services.acknowledge(screening.alert, actor=clinician, action="called", note="")
        services.record_decision(mother, screening=screening, kind="no_action", note="", actor=clinician)
    ReferralSettings.objects.create(clinic=clinic_a, send_from_hour=0, send_until_hour=24)
    due = NOON + timedelta(days=7)
    with time_machine.travel(due, tick=False):
        dispatch.dispatch(due)
        row = FollowUp.objects.get(mother=mother, kind="safety")
        assert (row.status, row.invitation.channels) == ("invited", ["link"])
        assert list(care.care_gaps(clinic_a)) == [mother]
        assert "hand her the link or call her" in worklist_lines(login(clinician))
        client = login(front_desk)
        client.post(reverse("invitation_hand_over", args=[row.invitation.code]))
        page = client.get(reverse("invitation_detail", args=[row.invitation.code])).content.decode()
        assert invitations.link_for(row.invitation) in page
        assert not care.care_gaps(clinic_a).exists()
    assert Invitation.objects.get(pk=row.invitation_id).handed_over_at is not None


# 4. A clinic transfer ------------------------------------------------------------------------------


def test_changing_her_clinic_in_the_admin_is_a_transfer_that_takes_her_paths_with_her(
    acknowledged, clinic_a, clinic_b, login, front_desk, outsider
):
    root = second_factor(login(None), User.objects.create_superuser("root", "root@example.org", "a-long-pw-2026-x"))
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        enter_epds(acknowledged, POSSIBLE, front_desk)  # a screen still waiting for a decision
        url = reverse("admin:screening_mother_change", args=[acknowledged.pk])
        response = root.post(url, _mother_admin_form(acknowledged, clinic=clinic_b.pk))
        assert response.status_code == 302, response.content.decode()[:2000]
        acknowledged.refresh_from_db()
        assert acknowledged.clinic == clinic_b
        assert Concern.objects.get(mother=acknowledged, closed_at__isnull=True).clinic == clinic_b
        pending = FollowUp.objects.pending().filter(mother=acknowledged)
        assert pending.exists() and set(pending.values_list("clinic", flat=True)) == {clinic_b.pk}
        assert not care.care_gaps().exists()
        assert f'data-mother="{acknowledged.record_number}"' in worklist_lines(login(outsider))
    for clinic, words in [(clinic_a, "transferred to Clinic B"), (clinic_b, "transferred from Clinic A")]:
        assert AuditEntry.objects.filter(clinic=clinic, summary__startswith=words, actor__username="root").exists()


# 5. Bounded settings -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name,refused,kept",
    [
        ("safety_follow_up_days", 32767, 14),
        ("rescreen_after_days", 32767, 28),
        ("overdue_after_days", 32767, 21),
        ("rescreen_after_days", 3, 7),
        ("routine_window_days", 60, 30),
    ],
)
def test_intervals_are_bounded_in_the_form_and_the_database(clinic_a, name, refused, kept):
    settings = ReferralSettings.for_clinic(clinic_a)
    data = {**{f: getattr(settings, f) for f in ReferralSettingsForm.Meta.fields}, "on_call_email": "on@call.example"}
    form = ReferralSettingsForm({**data, name: refused}, instance=settings)
    assert not form.is_valid() and name in form.errors
    assert ReferralSettingsForm({**data, name: kept}, instance=settings).is_valid()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReferralSettings.objects.create(clinic=clinic_a, **{name: refused})


# 6. Cut-offs that flag nothing ---------------------------------------------------------------------


def test_no_cut_off_leaves_an_epds_of_27_without_self_harm_low(clinic_a):
    data = {**CEILINGS.as_dict(), "epds_possible": 30, "epds_probable": 30, "epds_high": 30}
    form = ThresholdForm(
        {**data, "reason": "Research protocol"}, instance=ThresholdSet(clinic=clinic_a, context="postnatal")
    )
    assert not form.is_valid() and {"epds_possible", "epds_high"} <= set(form.errors)
    with pytest.raises(IntegrityError), transaction.atomic():
        ThresholdSet.objects.create(clinic=clinic_a, context="postnatal", **data)
    result = instruments.EPDS.score([3, 3, 0, 3, 0, 0, 0, 0, 0, 3])  # 27, item 10 "Never"
    assert (result.total, result.self_harm) == (27, False)
    assert assess(result, CEILINGS).level != "low"  # the highest any clinic may set


def test_the_django_admin_obeys_the_same_guard_as_the_settings_page(clinic_a, login):
    root = second_factor(login(None), User.objects.create_superuser("root", "root@example.org", "a-long-pw-2026-x"))
    data = {"clinic": clinic_a.pk, "context": "postnatal", **DEFAULT_THRESHOLDS.as_dict()}
    url = reverse("admin:screening_thresholdset_add")
    page = root.post(url, {**data, "epds_possible": 30, "epds_probable": 30, "epds_high": 30}).content.decode()
    assert "The most this can be is 20" in page and not ThresholdSet.objects.exists()
    page = root.post(url, {**data, "epds_possible": 14, "epds_probable": 15, "epds_high": 15}).content.decode()
    assert "Say why" in page and not ThresholdSet.objects.exists()
    root.post(url, {**data, "epds_possible": 14, "epds_probable": 15, "epds_high": 15, "reason": "Antenatal study"})
    assert ThresholdSet.objects.get().epds_possible == 14
    assert AuditEntry.objects.filter(clinic=clinic_a, summary__contains="(Antenatal study)").exists()


# 7. A new pregnancy ----------------------------------------------------------------------------------


def test_a_new_pregnancy_keeps_the_older_infants_remaining_visit_screens(clinic_a, front_desk):
    with time_machine.travel(NOON, tick=False):
        mother = make_mother(clinic_a, front_desk, delivered_days_ago=70)  # the infant is about 2 months old
        services.settle(mother)
        assert {"infant-4m", "infant-6m"} <= set(
            FollowUp.objects.filter(mother=mother, status="scheduled").values_list("key", flat=True)
        )
        mother.due_date, mother.delivery_date = clinic_today() + timedelta(weeks=30), None
        mother.save()
        mother_changed.send(sender=Mother, mother=mother)
    rows = dict(FollowUp.objects.filter(mother=mother, key__in=["infant-4m", "infant-6m"]).values_list("key", "status"))
    assert rows == {"infant-4m": "scheduled", "infant-6m": "scheduled"}
    assert FollowUp.objects.filter(mother=mother, kind="prenatal", status="scheduled").exists()  # and hers begin


# 8. Severe anxiety ---------------------------------------------------------------------------------


def test_severe_anxiety_alone_opens_a_concern_that_no_decision_leaves_on_no_list(
    clinic_a, login, front_desk, clinician
):
    mother = make_mother(clinic_a, front_desk, delivered_days_ago=400)  # past every routine screen
    gad = paper(instruments.GAD7, mother, [3] * 7, front_desk)
    assert (gad.total, gad.risk_level) == (21, "low")
    concern = Concern.objects.get(mother=mother, closed_at__isnull=True)
    assert concern.opened_because == "severe_anxiety"
    assert concern.act_by == clinic_today() + timedelta(days=14)
    services.record_decision(mother, screening=gad, kind="no_action", note="", actor=clinician)
    assert f'data-mother="{mother.record_number}"' in worklist_lines(login(clinician))
    assert not care.care_gaps(clinic_a).exists()


def test_moderate_anxiety_alone_opens_no_concern(clinic_a, front_desk):
    mother = make_mother(clinic_a, front_desk, delivered_days_ago=400)
    paper(instruments.GAD7, mother, [2] * 7, front_desk)
    assert not Concern.objects.filter(mother=mother).exists()


# The rest of the issue -----------------------------------------------------------------------------


def test_the_risk_badge_shows_an_open_self_harm_alert_whatever_the_latest_screen(clinic_a, login, front_desk):
    clinician = make_staff("carol", clinic_a, Role.CLINICIAN)
    mother = make_mother(clinic_a, front_desk)
    with time_machine.travel(NOON, tick=False):
        enter_epds(mother, SELF_HARM, front_desk)
    paper(instruments.GAD7, mother, [0] * 7, front_desk)
    mother.refresh_from_db()
    assert mother.latest_risk == "low" and Alert.objects.unacknowledged().filter(mother=mother).exists()
    page = worklist_lines(login(clinician))
    row = page[page.index(f'data-mother="{mother.record_number}"') :]
    assert 'class="badge risk-urgent"' in row[: row.index("</tr>")]


def test_a_positive_phq2_is_not_told_to_rescreen_in_two_weeks(clinic_a, front_desk):
    mother = make_mother(clinic_a, front_desk)
    phq2 = paper(instruments.PHQ2, mother, [2, 2], front_desk)
    codes = [r.code for r in services.recommendations_for(phq2)]
    assert "watchful_waiting" not in codes and codes


def test_phq9_items_6_and_8_keep_the_authors_dashes():
    items = instruments.PHQ9.items
    assert items[5].text.startswith("Feeling bad about yourself \u2014 or that you are a failure")
    assert "could have noticed? Or the opposite \u2014 being so fidgety" in items[7].text


# The heartbeat -------------------------------------------------------------------------------------


def test_her_page_shows_her_deadline_and_what_to_do_only_when_nothing_else_reaches_her(
    clinic_a, acknowledged, login, front_desk, clinician
):
    waiting = make_mother(clinic_a, front_desk, record_number="A-200", delivered_days_ago=300)
    with time_machine.travel(NOON, tick=False):
        enter_epds(waiting, SELF_HARM, front_desk)  # her open alert is her path
        page = login(clinician).get(reverse("mother_detail", args=[waiting.code])).content.decode()
    assert "data-deadline" in page and "June 8, 2026" in page and "Nothing planned" not in page
    FollowUp.objects.filter(mother=acknowledged, kind="safety").update(due_on=date(2031, 6, 1), rescheduled=True)
    with time_machine.travel(NOON + timedelta(hours=1), tick=False):
        page = login(clinician).get(reverse("mother_detail", args=[acknowledged.code])).content.decode()
    assert "Her next screen is due after her deadline: bring it forward" in page


def test_no_referral_needed_is_refused_on_a_screen_whose_referral_is_open(clinic_a, login, front_desk, clinician):
    """Issue 27: a screen could be marked "no referral needed" while its referral was still open."""
    mother = make_mother(clinic_a, front_desk)
    screening = enter_epds(mother, POSSIBLE, front_desk)
    referral = services.create_referral(mother=mother, screening=screening, pathway="cbt", actor=clinician)
    page = login(clinician).post(reverse("decide", args=[screening.code]), {"kind": "no_action"}, follow=True)
    assert "This screen has an open referral" in page.content.decode()
    assert not Decision.objects.filter(screening=screening, kind="no_action").exists()
    services.transition(referral, "cancelled", actor=clinician, reason="She moved")
    services.record_decision(mother, screening=screening, kind="no_action", note="", actor=clinician)
    assert Decision.objects.filter(screening=screening, kind="no_action").exists()


def test_an_emailed_link_whose_every_message_failed_reaches_no_one(clinic_a, login, front_desk, clinician):
    """An invitation counts as reaching her while a message carrying it is sent or still being
    tried; once every try failed, she is on the worklist: "Her link went to no one"."""
    from screening.models import Delivery

    with time_machine.travel(NOON, tick=False):
        mother = make_mother(clinic_a, front_desk, delivered_days_ago=300)
        screening = enter_epds(mother, SELF_HARM, front_desk)
        services.acknowledge(screening.alert, actor=clinician, action="called", note="")
        services.record_decision(mother, screening=screening, kind="no_action", note="", actor=clinician)
    ReferralSettings.objects.create(clinic=clinic_a, send_from_hour=0, send_until_hour=24)
    with time_machine.travel(NOON + timedelta(days=7), tick=False):
        dispatch.dispatch()
        invitation = FollowUp.objects.get(mother=mother, kind="safety").invitation
        assert invitation.channels == ["email", "link"]
        assert not care.care_gaps(clinic_a).exists()  # its email is being sent
        Delivery.objects.filter(invitation=invitation).update(status="failed", last_error="SMTP 550 no such user")
        assert list(care.care_gaps(clinic_a)) == [mother]
        assert "hand her the link or call her" in worklist_lines(login(clinician))
