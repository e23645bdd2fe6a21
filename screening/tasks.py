from celery import shared_task

from . import invitations, outbox


@shared_task
def send_invitation(invitation_id):
    return invitations.send_invitation(invitation_id)


@shared_task
def send_deliveries(ids):
    """The one sender: any chunk of outbox rows, of any kind."""
    return outbox.send(ids)
