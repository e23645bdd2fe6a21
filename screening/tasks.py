from celery import shared_task

from . import invitations, outbox, submissions


@shared_task
def send_invitation(invitation_id):
    return invitations.send_invitation(invitation_id)


@shared_task
def send_deliveries(ids):
    """The one sender: any chunk of outbox rows, of any kind."""
    return outbox.send(ids)


@shared_task
def score_submission(invitation_id):
    """Her sent form scored into her screening (screening.submissions)."""
    submission = submissions.score(invitation_id)
    return submission.pk if submission else None
