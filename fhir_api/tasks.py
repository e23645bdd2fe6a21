from celery import shared_task

from config.celery import EveryClinicTask

from . import export


@shared_task
def bulk_export(export_id):
    export.run(export_id)


@shared_task(base=EveryClinicTask)
def delete_expired_exports():
    return export.delete_expired()
