from celery import shared_task


@shared_task
def bulk_export(export_id):
    from . import export

    export.run(export_id)
