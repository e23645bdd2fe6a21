from celery import shared_task

from . import invitations


@shared_task
def send_invitation(invitation_id):
    return invitations.send_invitation(invitation_id)


@shared_task
def send_deliveries(ids):
    return invitations.send_deliveries(ids)
