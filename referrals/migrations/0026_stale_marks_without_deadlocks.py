from django.db import migrations, models


def reinstall_triggers(apps, schema_editor):
    """PostgreSQL's statement triggers again: a clinic's month marked by a plain insert (its writers
    no longer wait on one shared row), a mother's marks written in key order with an UPDATE's rows
    before and after in one statement. SQLite's are row triggers and unchanged."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from referrals import worklist_triggers
    from referrals.reports import triggers

    for sql in triggers.FACTS + triggers.MONTHS + worklist_triggers.create("postgresql"):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0025_stored_worklist")]

    operations = [
        migrations.RemoveConstraint(model_name="stalemonth", name="stalemonth_once"),
        migrations.AddIndex(model_name="stalemonth", index=models.Index(fields=["month"], name="stalemonth_month")),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
    ]
