"""Lists every mother at risk whom nothing reaches before her deadline (design rules 11 and 15), with
her deadline and what to do, every part of the machinery that has fallen silent, and any mother
the stored worklist places otherwise than the rule computed from scratch; exits 1 if there is any."""

import json as jsonlib
import sys
import uuid

from django.core.management.base import BaseCommand, CommandError

from screening.models import Clinic

from ... import care, heartbeat, worklist_store


class Command(BaseCommand):
    help = (
        "Mothers at risk whom no alert, worklist item, open referral or follow-up reaches before her deadline, "
        "silent parts of the machinery, and stored worklist rows that differ from the rule. Exits 1 if any."
    )

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
        silent = heartbeat.silent()
        for part in silent:
            self.stderr.write(f"silent: {part}")
        differ = [
            (c, pk, stored, computed)
            for c in ([chosen] if chosen else Clinic.objects.order_by("name"))
            for pk, stored, computed in worklist_store.differences(c)
        ]
        for c, pk, stored, computed in differ:
            self.stderr.write(f"worklist differs: {c.name}\tmother {pk}\tstored {stored}\trule {computed}")
        if found:
            self.stderr.write(f"{found} mother(s) at risk with nothing that reaches her before her deadline.")
        if silent:
            self.stderr.write(f"{len(silent)} part(s) of the machinery silent: follow-ups and alerts may not go out.")
        if differ:
            self.stderr.write(f"{len(differ)} stored worklist row(s) differ from the rule.")
        if found or silent or differ:
            sys.exit(1)


def _uuid(text):
    try:
        return uuid.UUID(text)
    except ValueError:
        raise CommandError(f"{text} is not a clinic code (a UUID).") from None


def _json_line(mother, why):
    concern = mother.concerns.filter(closed_at__isnull=True).first()
    return jsonlib.dumps(
        {
            "clinic": mother.clinic.name,
            "record_number": mother.record_number,
            "mother": str(mother.code),
            "deadline": concern.act_by.isoformat() if concern else None,
            "why": why,
        }
    )
