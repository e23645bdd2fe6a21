from django.db import migrations, models


def drop_triggers(apps, schema_editor):
    """SQLite rebuilds the entries' table to add a column, and refuses while triggers name it."""
    from referrals import worklist_triggers

    for sql in worklist_triggers.drop(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def install_triggers(apps, schema_editor):
    """The triggers again (a provider's change now marks her clinic's entries), and every mother
    stale: the next page or sweep stores the lines beside her."""
    from referrals import worklist_triggers

    for sql in worklist_triggers.create(schema_editor.connection.vendor):
        schema_editor.execute(sql)
    schema_editor.execute(worklist_triggers.MARK_EVERY_MOTHER)


class Migration(migrations.Migration):
    """The lines shown beside each mother stored with her worklist entry (issue 32)."""

    dependencies = [("referrals", "0028_worklist_marks_only_added")]

    operations = [
        migrations.RunPython(drop_triggers, install_triggers),
        migrations.AddField(model_name="worklistentry", name="lines", field=models.JSONField(default=dict)),
        migrations.RunPython(install_triggers, drop_triggers),
    ]
