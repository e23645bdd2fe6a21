import django.db.models.deletion
from django.db import migrations, models


def from_mothers(apps, schema_editor):
    Pregnancy = apps.get_model("screening", "Pregnancy")
    Mother = apps.get_model("screening", "Mother")
    for clinic_id in Mother.objects.values_list("clinic_id", flat=True).distinct():
        Pregnancy.objects.filter(mother__clinic_id=clinic_id).update(clinic_id=clinic_id)


class Migration(migrations.Migration):
    dependencies = [("screening", "0017_messages_are_sent_per_channel")]

    operations = [
        migrations.AddField(
            model_name="pregnancy",
            name="clinic",
            field=models.ForeignKey(
                null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="screening.clinic"
            ),
        ),
        migrations.RunPython(from_mothers, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="pregnancy",
            name="clinic",
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to="screening.clinic"),
        ),
        migrations.AddIndex(
            model_name="pregnancy",
            index=models.Index(fields=["clinic", "delivery_date"], name="pregnancy_clinic_delivery"),
        ),
    ]
