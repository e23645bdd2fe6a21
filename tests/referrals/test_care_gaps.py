"""One test per hole through which a mother at risk used to drop off every list (issue 11)."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from referrals import alerts, care, lifecycle, services
from referrals.models import Alert, Concern, FollowUp, Referral, ReferralSettings
from screening import instruments, outbox
from screening.models import Delivery
from screening.services import record_screening

from ..conftest import clinic_today, enter_epds, make_mother, send_messages

POSSIBLE = [3, 3, 0, 3, 3, 3, 3, 3, 3, 3]  # 12, no self-harm
PROBABLE = [3, 3, 0, 3, 2, 3, 3, 3, 3, 3]  # 13
HIGH = [3, 3, 0, 3, 0, 0, 0, 0, 0, 3]  # 27
SELF_HARM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 2]  # 1, item 10 "Hardly ever"
CALM = [0, 0, 3, 0, 3, 3, 3, 3, 3, 3]  # 0


def on_worklist(client, mother):
    return f'data-mother="{mother.record_number}"' in client.get(reverse("worklist")).content.decode()


def test_after_an_acknowledged_self_harm_alert_a_safety_rescreen_is_scheduled_whatever_the_infants_age(
    clinic_a, front_desk, clinician
):
    mother = make_mother(clinic_a, front_desk, delivered_days_ago=300)  # past every routine visit
    screening = enter_epds(mother, SELF_HARM, front_desk)
    assert not FollowUp.objects.filter(mother=mother, kind="safety").exists()  # the alert comes first
    services.acknowledge(screening.alert, actor=clinician, action="assessed", note="")
    safety = FollowUp.objects.get(mother=mother, kind="safety", status="scheduled")
    assert safety.due_on == clinic_today() + timedelta(days=7)
    assert not care.care_gaps(clinic_a).exists()


def test_the_safety_rescreen_interval_is_a_clinic_setting(clinic_a, front_desk, clinician):
    ReferralSettings.objects.create(clinic=clinic_a, safety_follow_up_days=3)
    mother = make_mother(clinic_a, front_desk)
    services.acknowledge(enter_epds(mother, SELF_HARM, front_desk).alert, actor=clinician, action="called", note="")
    assert FollowUp.objects.get(mother=mother, kind="safety").due_on == clinic_today() + timedelta(days=3)


def test_a_high_score_gets_a_rescreen_within_the_safety_week(clinic_a, front_desk, after_commit):
    mother = make_mother(clinic_a, front_desk)
    with after_commit():
        screening = enter_epds(mother, HIGH, front_desk)
    assert screening.risk_level == "high"
    rescreen = FollowUp.objects.get(mother=mother, key=f"rescreen-{screening.code}")
    assert rescreen.due_on == clinic_today() + timedelta(days=7)


def test_rescreen_before_deciding_creates_a_follow_up(clinic_a, front_desk, clinician):
    mother = make_mother(clinic_a, front_desk, delivered_days_ago=400)
    anxious = record_screening(
        mother=mother,
        instrument=instruments.GAD7,
        answers=[3, 3, 3, 3, 0, 0, 0],
        taken_on=clinic_today(),
        method="paper",
        entered_by=front_desk,
    )
    assert anxious.anxiety_flag and not FollowUp.objects.filter(mother=mother, kind="rescreen").exists()
    services.record_decision(mother, screening=anxious, kind="rescreen", note="", actor=clinician)
    assert FollowUp.objects.get(mother=mother, key=f"rescreen-{anxious.code}").status == "scheduled"


@pytest.mark.parametrize("ending", ["rejected", "failed", "cancelled", "entered-in-error"])
def test_a_referral_that_ends_without_completion_brings_her_back_to_the_worklist(
    ending, login, clinic_a, front_desk, clinician
):
    mother = make_mother(clinic_a, front_desk)
    screening = enter_epds(mother, PROBABLE, front_desk)
    referral = services.create_referral(mother=mother, screening=screening, pathway="cbt", actor=clinician)
    client = login(clinician)
    assert on_worklist(client, mother)  # a requested referral waits for the provider
    if ending != "rejected":  # a provider rejects only what it has not accepted
        services.transition(referral, "accepted", actor=clinician)
        services.transition(referral, "in-progress", actor=clinician)
        assert not on_worklist(client, mother)
    services.transition(referral, ending, actor=clinician, reason="Provider closed")
    page = client.get(reverse("worklist")).content.decode()
    assert on_worklist(client, mother) and "Referral ended without completion" in page
    services.record_decision(mother, kind="no_action", note="Watchful waiting", actor=clinician)
    assert not on_worklist(client, mother)


@pytest.mark.parametrize("kind,shown", [("no_contact", "Could not contact her"), ("declined", "She declined")])
def test_outreach_that_did_not_reach_her_keeps_her_on_the_worklist(kind, shown, login, clinic_a, front_desk, clinician):
    mother = make_mother(clinic_a, front_desk)
    screening = enter_epds(mother, PROBABLE, front_desk)
    services.record_decision(mother, screening=screening, kind=kind, note="Two calls", actor=clinician)
    client = login(clinician)
    assert on_worklist(client, mother) and shown in client.get(reverse("worklist")).content.decode()
    concern = Concern.objects.get(mother=mother, closed_at__isnull=True)
    client.post(reverse("concern_close", args=[mother.code]), {"because": "declined", "note": "Three attempts"})
    concern.refresh_from_db()
    assert concern.closed_because == "declined" and concern.closed_by == clinician
    assert not on_worklist(client, mother)


def test_an_alert_with_nobody_to_email_fails_for_good_and_puts_her_on_the_worklist_until_dealt_with(
    login, clinic_a, front_desk, clinician
):
    clinician.email = ""
    clinician.save()
    front_desk.email = "desk@example.org"  # front desk are never alert recipients
    front_desk.save()
    mother = make_mother(clinic_a, front_desk)
    alert = enter_epds(mother, SELF_HARM, front_desk).alert
    (message,) = alert.deliveries.all()
    now = timezone.now()
    for attempt in range(outbox.MAX_ATTEMPTS):  # each try after the last one's back-off (2, 4, 8, 16 minutes)
        assert send_messages(now) == 0
        message.refresh_from_db()
        assert message.attempts == attempt + 1 and "No one to send it to" in message.last_error
        now = message.next_try_at or now
    assert message.status == "failed" and not mail.outbox
    alert.refresh_from_db()
    assert alert.delivered_at is None
    client = login(clinician)
    page = client.get(reverse("worklist") + "?section=message").content.decode()
    assert mother.record_number in page and "Message failed: call her" in page
    alert_page = client.get(reverse("alert_detail", args=[alert.code])).content.decode()
    assert "No one to send it to" in alert_page and "Failed" in alert_page
    her_page = client.get(reverse("mother_detail", args=[mother.code])).content.decode()
    assert "failed after 5 tries" in her_page and "Call her, or pass it on another way." in her_page
    client.post(reverse("message_dealt_with", args=[message.pk]), {"next": "https://evil.example/"})
    message.refresh_from_db()
    assert message.handled_by == clinician
    assert mother.record_number not in client.get(reverse("worklist") + "?section=message").content.decode()
    assert "dealt with by alice" in client.get(reverse("mother_detail", args=[mother.code])).content.decode()


def test_another_clinic_cannot_mark_her_message_dealt_with(login, clinic_a, front_desk, clinician, outsider):
    clinician.email = ""
    clinician.save()
    alert = enter_epds(make_mother(clinic_a, front_desk), SELF_HARM, front_desk).alert
    Delivery.objects.filter(alert=alert).update(status="failed", last_error="No one to send it to")
    response = login(outsider).post(reverse("message_dealt_with", args=[alert.deliveries.get().pk]))
    assert response.status_code == 404 and alert.deliveries.get().handled_at is None


def test_an_escalation_to_nobody_is_counted_and_its_failing_message_shown_on_the_alert(
    login, clinic_a, front_desk, clinician
):
    alert = enter_epds(make_mother(clinic_a, front_desk), SELF_HARM, front_desk).alert
    later = timezone.now() + timedelta(hours=2)
    assert alerts.escalate(alert.pk, later) is True  # clinic A has no admin
    assert send_messages(later, kind="escalation") == 0
    alert.refresh_from_db()
    escalation = alert.deliveries.get(kind="escalation")
    assert alert.escalations == 1 and "No one to send it to" in escalation.last_error
    page = login(clinician).get(reverse("alert_detail", args=[alert.code])).content.decode()
    assert "Escalation 1" in page and "No one to send it to" in page


def test_a_clinic_cannot_save_settings_that_send_alerts_into_the_void(login, clinic_a, clinic_admin, clinician):
    for user in (clinic_admin, clinician):
        user.email = ""
        user.save()
    page = login(clinic_admin).post(reverse("referral_settings"), {"on_call_email": ""}).content.decode()
    assert "Self-harm alerts would reach no one" in page


@pytest.mark.parametrize(
    "pathway,answers,expected",
    [
        ("same_day_assessment", SELF_HARM, "same_day"),
        ("psychiatric_evaluation", HIGH, "urgent"),
        ("cbt", SELF_HARM, "urgent"),
        ("cbt", PROBABLE, "routine"),
    ],
)
def test_referral_urgency_comes_from_the_pathway_and_the_risk(
    pathway, answers, expected, clinic_a, front_desk, clinician
):
    mother = make_mother(clinic_a, front_desk)
    screening = enter_epds(mother, answers, front_desk)
    referral = services.create_referral(
        mother=mother, screening=screening, pathway=pathway, actor=clinician, override_reason="chosen"
    )
    assert referral.urgency == expected


def test_staff_cannot_lower_the_urgency_and_limits_follow_it(login, clinic_a, front_desk, clinician):
    mother = make_mother(clinic_a, front_desk)
    screening = enter_epds(mother, HIGH, front_desk)
    response = login(clinician).post(
        reverse("refer", args=[screening.code]), {"pathway": "psychiatric_evaluation", "urgency": "routine"}
    )
    assert "This referral is at least urgent" in response.content.decode()
    assert not Referral.objects.exists()
    referral = services.create_referral(
        mother=mother, screening=screening, pathway="psychiatric_evaluation", actor=clinician
    )
    with pytest.raises(lifecycle.InvalidTransition):
        services.create_referral(
            mother=mother, screening=screening, pathway="psychiatric_evaluation", actor=clinician, urgency="routine"
        )
    limits = ReferralSettings.for_clinic(clinic_a)
    assert referral.breaches(limits, timezone.now() + timedelta(days=2)) == ["Not accepted within 1 day"]


def test_a_second_decision_is_added_beside_the_first(clinic_a, front_desk, clinician):
    mother = make_mother(clinic_a, front_desk)
    screening = enter_epds(mother, PROBABLE, front_desk)
    referral = services.create_referral(mother=mother, screening=screening, pathway="cbt", actor=clinician, note="A")
    services.record_decision(mother, screening=screening, kind="rescreen", note="Later view", actor=clinician)
    assert [(d.kind, d.note) for d in screening.decisions.all()] == [("referred", "A"), ("rescreen", "Later view")]
    assert Referral.objects.get(pk=referral.pk).status == "requested"


def test_opt_out_needs_confirmation_records_who_and_why_and_return_restores_her_schedule(
    login, clinic_a, front_desk, clinician
):
    mother = make_mother(clinic_a, front_desk, delivered_days_ago=10)
    services.settle(mother)
    scheduled = set(FollowUp.objects.filter(mother=mother, status="scheduled").values_list("key", flat=True))
    assert scheduled
    client = login(front_desk)
    url = reverse("mother_left_care", args=[mother.code])
    client.post(url, {"reason": "opted_out", "note": "Too busy"})  # no confirmation
    mother.refresh_from_db()
    assert mother.in_care
    client.post(url, {"reason": "opted_out", "note": "Too busy", "confirm": "on"})
    mother.refresh_from_db()
    assert (mother.left_care_reason, mother.left_care_note, mother.left_care_recorded_by) == (
        "opted_out",
        "Too busy",
        front_desk,
    )
    assert not FollowUp.objects.filter(mother=mother, status="scheduled").exists()
    client.post(url, {"reason": "return", "note": "Called back"})
    mother.refresh_from_db()
    assert mother.in_care
    assert set(FollowUp.objects.filter(mother=mother, status="scheduled").values_list("key", flat=True)) == scheduled


def test_a_mother_at_risk_who_opts_out_stays_on_the_worklist(login, clinic_a, front_desk, clinician):
    mother = make_mother(clinic_a, front_desk)
    enter_epds(mother, POSSIBLE, front_desk)
    services.record_decision(mother, kind="no_action", note="", actor=clinician)
    login(front_desk).post(
        reverse("mother_left_care", args=[mother.code]), {"reason": "opted_out", "note": "No", "confirm": "on"}
    )
    client = login(clinician)
    assert on_worklist(client, mother) and "Left care while at risk" in client.get(reverse("worklist")).content.decode()


def test_front_desk_cannot_cancel_a_clinical_rescreen_and_sees_a_neutral_label(
    login, clinic_a, front_desk, clinician, after_commit
):
    mother = make_mother(clinic_a, front_desk)
    with after_commit():
        screening = enter_epds(mother, POSSIBLE, front_desk)
    rescreen = FollowUp.objects.get(mother=mother, key=f"rescreen-{screening.code}")
    page = login(front_desk).get(reverse("mother_detail", args=[mother.code])).content.decode()
    assert "Questionnaire due" in page and "Rescreen" not in page and "possible" not in page.lower()
    response = login(front_desk).post(reverse("follow_up_cancel", args=[rescreen.code]), {"note": "x"})
    assert response.status_code == 403
    rescreen.refresh_from_db()
    assert rescreen.status == "scheduled"
    login(clinician).post(reverse("follow_up_cancel", args=[rescreen.code]), {"note": "Seen in clinic"})
    rescreen.refresh_from_db()
    assert rescreen.status == "cancelled"


def test_care_gaps_prints_each_mother_in_a_gap_with_why_and_exits_1(clinic_a, clinic_b, front_desk, machinery_running):
    mother = make_mother(clinic_a, front_desk)
    enter_epds(mother, POSSIBLE, front_desk)
    out = StringIO()
    call_command("care_gaps", stdout=out)
    assert out.getvalue() == ""
    mother.screenings.update(reviewed_at=timezone.now())
    FollowUp.objects.filter(mother=mother).delete()
    with pytest.raises(SystemExit) as exit_code:
        call_command("care_gaps", "--json", stdout=out)
    assert exit_code.value.code == 1
    line = json.loads(out.getvalue().splitlines()[0])
    assert line["record_number"] == mother.record_number and "at risk since" in line["why"]
    assert line["deadline"] == str(clinic_today() + timedelta(days=14)) and "Nothing planned" in line["why"]
    call_command("care_gaps", "--clinic", str(clinic_b.code), stdout=StringIO())  # the other clinic: no gap


def test_care_gaps_prints_nothing_on_the_demo_data(db, machinery_running):
    call_command("load_demo", stdout=StringIO())
    out = StringIO()
    call_command("care_gaps", stdout=out)
    assert out.getvalue() == ""
    assert Concern.objects.open().exists()  # the demo has mothers at risk, each on a live path


def test_a_clinician_records_a_concern_the_questionnaires_cannot_detect_and_she_joins_the_worklist(
    login, clinic_a, front_desk, clinician
):
    mother = make_mother(clinic_a, front_desk)
    client = login(clinician)
    assert "No open concern." in client.get(reverse("mother_detail", args=[mother.code])).content.decode()
    assert login(front_desk).post(reverse("concern_mark", args=[mother.code]), {"note": "x"}).status_code == 403
    client.post(reverse("concern_mark", args=[mother.code]), {"note": "Feels detached from the baby"})
    concern = Concern.objects.get(mother=mother, closed_at__isnull=True)
    assert (concern.opened_because, concern.opened_by, concern.note) == (
        "clinician",
        clinician,
        "Feels detached from the baby",
    )
    page = client.get(reverse("worklist")).content.decode()
    assert on_worklist(client, mother) and "plan the next step" in page
    client.post(reverse("concern_decide", args=[mother.code]), {"kind": "no_action", "note": "Her visits go on"})
    page = client.get(reverse("worklist")).content.decode()  # her next visit comes after her 14-day deadline
    assert on_worklist(client, mother) and "Nothing reaches her before her deadline" in page
    visit = FollowUp.objects.filter(mother=mother, status="scheduled").order_by("due_on").first()
    soon = str(clinic_today() + timedelta(days=10))
    client.post(reverse("follow_up_reschedule", args=[visit.code]), {"due_on": soon, "note": "Seen with her visit"})
    assert not on_worklist(client, mother)  # her visit, brought forward, reaches her in time
    enter_epds(mother, CALM, front_desk)
    client.post(reverse("concern_close", args=[mother.code]), {"because": "remission", "note": "Well"})
    assert not Concern.objects.open().filter(mother=mother).exists()


def test_a_clinicians_urgent_concern_raises_an_alert_like_a_self_harm_answer(
    login, clinic_a, front_desk, clinician, django_capture_on_commit_callbacks
):
    mother = make_mother(clinic_a, front_desk)
    client = login(clinician)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("concern_mark", args=[mother.code]), {"note": "Hearing voices", "urgent": "on"})
    alert = Alert.objects.get(mother=mother)
    assert alert.raised_by == clinician and alert.delivered_at is not None
    assert "needs same-day review" in mail.outbox[-1].subject
    page = client.get(reverse("alert_detail", args=[alert.code])).content.decode()
    assert "Urgent concern recorded by alice" in page and "Hearing voices" in page
    services.acknowledge(alert, actor=clinician, action="assessed", note="Seen today")
    assert FollowUp.objects.filter(mother=mother, kind="safety", status="scheduled").exists()


def test_a_mother_in_a_care_gap_heads_the_worklist_with_what_to_do(login, clinic_a, front_desk, clinician):
    calm = make_mother(clinic_a, front_desk, record_number="G-0")
    enter_epds(calm, HIGH, front_desk)  # high, awaiting a decision: on the worklist, not in a gap
    mother = make_mother(clinic_a, front_desk, record_number="G-1")
    enter_epds(mother, POSSIBLE, front_desk)
    mother.screenings.update(reviewed_at=timezone.now())
    FollowUp.objects.filter(mother=mother).delete()  # at risk, and on no live path
    page = login(clinician).get(reverse("worklist")).content.decode()
    assert 'data-section-count="gap">Nothing reaches her before her deadline: <span class="count">1</span>' in page
    assert "Nothing planned: decide the next step." in page
    assert page.index('data-mother="G-1"') < page.index('data-mother="G-0"')  # a gap ranks above a high screen
