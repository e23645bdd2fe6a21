from celery import shared_task

from config.celery import EveryClinicTask


@shared_task
def bulk_export(export_id):
    from . import export

    export.run(export_id)


@shared_task(base=EveryClinicTask)
def delete_expired_exports():
    from . import export

    return export.delete_expired()
