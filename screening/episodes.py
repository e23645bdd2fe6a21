"""Pregnancies and births as episodes (issue 13). Staff edit her current episode's dates on the
mother's form (Mother.due_date and delivery_date); record() keeps her Pregnancy rows in step: a new
row when she is pregnant again after a birth, the current row's dates and outcome otherwise. Her
infants belong to the episode they were born of."""

from datetime import timedelta

from django.utils import timezone

from .models import Outcome, Pregnancy

NEW_BIRTH_AFTER = timedelta(days=180)


def current(mother):
    return mother.pregnancies.order_by("-recorded_on", "-pk").first()


def record(mother, today=None):
    """Runs whenever her dates or infants change (the mother_changed signal, before anything that
    reads the schedule). Returns her current episode."""
    today = today or timezone.localdate()
    episode = current(mother)
    if episode is None:
        episode = Pregnancy(mother=mother, recorded_on=timezone.localdate(mother.created_at))
    elif episode.delivery_date is not None and (mother.is_pregnant or _another_birth(episode, mother)):
        episode = Pregnancy(mother=mother, recorded_on=today)  # pregnant again, or a later birth
    episode.clinic_id = mother.clinic_id
    episode.due_date, episode.delivery_date = mother.due_date, mother.delivery_date
    episode.outcome = Outcome.LIVE_BIRTH if episode.delivery_date else Outcome.ONGOING
    episode.save()
    mother.infants.filter(pregnancy__isnull=True).update(pregnancy=episode)
    outcome = _outcome(episode)
    if outcome != episode.outcome:
        episode.outcome = outcome
        episode.save(update_fields=["outcome"])
    return episode


def _another_birth(episode, mother):
    """A delivery date months after the recorded one is a new birth, not a correction."""
    return mother.delivery_date is not None and mother.delivery_date - episode.delivery_date > NEW_BIRTH_AFTER


def _outcome(episode):
    if episode.delivery_date is None:
        return Outcome.ONGOING
    infants = list(episode.infants.values_list("died_on", flat=True))
    return Outcome.LOSS if infants and all(died is not None for died in infants) else Outcome.LIVE_BIRTH


def on_mother_changed(sender, mother, **kwargs):
    record(mother)
