from celery import shared_task

from . import invitations, outbox, submissions


@shared_task
def send_invitation(invitation_id):
    return invitations.send_invitation(invitation_id)


@shared_task
def send_deliveries(ids, together=1):
    """The one sender: any chunk of outbox rows, of any kind, `together` to a transaction."""
    return outbox.send(ids, together=together)


@shared_task
def score_submission(invitation_id):
    """Her sent form scored into her screening (screening.submissions)."""
    submission = submissions.score(invitation_id)
    return submission.pk if submission else None
