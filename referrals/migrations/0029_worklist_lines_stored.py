from django.db import migrations, models


def install(apps, schema_editor):
    """The triggers again (a provider's change now marks her clinic's entries), and every mother
    stale: the next page or sweep stores the lines beside her."""
    from referrals import worklist_triggers

    for sql in worklist_triggers.create(schema_editor.connection.vendor):
        schema_editor.execute(sql)
    schema_editor.execute(worklist_triggers.MARK_EVERY_MOTHER)


def remove_provider_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for event in ("insert", "update", "delete"):
        name = f"referrals_provider_worklist_{event}"
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON referrals_provider")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


class Migration(migrations.Migration):
    """The lines shown beside each mother stored with her worklist entry (issue 32)."""

    dependencies = [("referrals", "0028_worklist_marks_only_added")]

    operations = [
        migrations.AddField(model_name="worklistentry", name="lines", field=models.JSONField(default=dict)),
        migrations.RunPython(install, remove_provider_triggers),
    ]
