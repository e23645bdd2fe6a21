"""Lists every mother at risk who is on no live path (design rule 11); exits 1 if there is any."""

import json as jsonlib
import sys
import uuid

from django.core.management.base import BaseCommand, CommandError

from screening.models import Clinic

from ... import care


class Command(BaseCommand):
    help = "Mothers at risk with no alert, worklist item, open referral or follow-up. Exits 1 if any."

    def add_arguments(self, parser):
        parser.add_argument("--clinic", help="the clinic's code (a UUID); every clinic by default")
        parser.add_argument("--json", action="store_true", help="one JSON object per line")

    def handle(self, *args, clinic=None, json=False, **options):
        chosen = None
        if clinic:
            chosen = Clinic.objects.filter(code=_uuid(clinic)).first()
            if chosen is None:
                raise CommandError(f"No clinic with code {clinic}.")
        gaps = care.care_gaps(chosen).select_related("clinic").order_by("clinic__name", "record_number")
        found = 0
        for mother in gaps:
            found += 1
            why = care.describe_gap(mother)
            if json:
                line = _json_line(mother, why)
            else:
                line = f"{mother.clinic.name}\t{mother.record_number}\t{mother.code}\t{why}"
            self.stdout.write(line)
        if found:
            self.stderr.write(f"{found} mother(s) at risk with nothing live.")
            sys.exit(1)


def _uuid(text):
    try:
        return uuid.UUID(text)
    except ValueError:
        raise CommandError(f"{text} is not a clinic code (a UUID).") from None


def _json_line(mother, why):
    return jsonlib.dumps(
        {"clinic": mother.clinic.name, "record_number": mother.record_number, "mother": str(mother.code), "why": why}
    )
