"""Pregnancies and births as episodes (issue 13). Staff edit her current episode's dates on the
mother's form (Mother.due_date and delivery_date); record() keeps her Pregnancy rows in step: a new
row when she is pregnant again after a birth, or when staff record another birth; otherwise the
current row's dates and outcome, so a changed date is a correction of the same episode however
large (issue 28). A pregnancy's due date is its own: another birth recorded without a new due date
takes its delivery date as its due date, marked as derived. Her infants belong to the episode they
were born of."""

from .models import Outcome, Pregnancy


def current(mother):
    return mother.pregnancies.order_by("-recorded_on", "-pk").first()


def record(mother, today=None, another_birth=False):
    """Runs whenever her dates or infants change (the mother_changed signal, before anything that
    reads the schedule); `another_birth` when staff said the delivery date is a new birth. Returns
    her current episode."""
    today = today or mother.clinic.today()  # the clinic's date, not the worker's (UTC)
    episode = current(mother)
    due_date, derived = mother.due_date, False
    if episode is None:
        episode = Pregnancy(mother=mother, recorded_on=mother.clinic.today(mother.created_at))
    elif episode.delivery_date is not None and (mother.is_pregnant or another_birth):
        if another_birth and not mother.is_pregnant and mother.due_date == episode.due_date:
            due_date, derived = mother.delivery_date, True  # the last pregnancy's due date is not hers
            mother.due_date = due_date
            mother.save(update_fields=["due_date"])
        episode = Pregnancy(mother=mother, recorded_on=today)
    else:
        derived = episode.due_date_derived and due_date == episode.due_date
    episode.clinic_id = mother.clinic_id
    episode.due_date, episode.delivery_date, episode.due_date_derived = due_date, mother.delivery_date, derived
    episode.outcome = Outcome.LIVE_BIRTH if episode.delivery_date else Outcome.ONGOING
    episode.save()
    mother.infants.filter(pregnancy__isnull=True).update(pregnancy=episode)
    outcome = _outcome(episode)
    if outcome != episode.outcome:
        episode.outcome = outcome
        episode.save(update_fields=["outcome"])
    return episode


def _outcome(episode):
    if episode.delivery_date is None:
        return Outcome.ONGOING
    infants = list(episode.infants.values_list("died_on", flat=True))
    return Outcome.LOSS if infants and all(died is not None for died in infants) else Outcome.LIVE_BIRTH


def on_mother_changed(sender, mother, another_birth=False, **kwargs):
    record(mother, another_birth=another_birth)
