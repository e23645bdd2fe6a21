from django.db import migrations


def drop_triggers(apps, schema_editor):
    """SQLite rebuilds the table to drop its constraint, and refuses while triggers name it."""
    from referrals import worklist_triggers

    for sql in worklist_triggers.drop(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def install_triggers(apps, schema_editor):
    """The worklist's triggers again, now adding marks instead of upserting them (either database)."""
    from referrals import worklist_triggers

    for sql in worklist_triggers.create(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0027_report_indexes_answer_from_the_index")]

    operations = [
        migrations.RunPython(drop_triggers, install_triggers),
        migrations.RemoveConstraint(model_name="workliststale", name="worklist_stale_once"),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
