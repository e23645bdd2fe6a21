from django.db import migrations, models

from screening import access_triggers


def install(apps, schema_editor):
    for sql in access_triggers.create(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def remove(apps, schema_editor):
    for sql in access_triggers.drop(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    """A version on each user that triggers bump when her access changes, so a session keeps what
    it needs of her membership, clinic and second factor and rereads it only then."""

    dependencies = [
        ("screening", "0035_translation_packs"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.AddField(
            model_name="user",
            name="access_version",
            field=models.PositiveIntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(install, remove),
    ]
