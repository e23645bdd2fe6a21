from django.core.management.base import BaseCommand, CommandError

from screening.models import Screening

STORED = ("total", "subscales", "self_harm", "band")


class Command(BaseCommand):
    help = "Re-scores every stored screening from its raw answers and lists any that differ."

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="exit 1 if any screening differs")

    def handle(self, *args, check=False, **options):
        differ = checked = 0
        for screening in Screening.objects.order_by("pk").iterator(chunk_size=2000):
            checked += 1
            problems = self.differences(screening)
            if problems:
                differ += 1
                self.stdout.write(
                    f"{screening.code} ({screening.instrument_code}/{screening.instrument_version}, "
                    f"{screening.taken_on}): {'; '.join(problems)}"
                )
        self.stdout.write(f"{checked} screenings re-scored, {differ} differ.")
        if check and differ:
            raise CommandError(f"{differ} stored results differ from a fresh score.", returncode=1)

    @staticmethod
    def differences(screening):
        try:
            result, risk = screening.rescore()
        except (LookupError, ValueError) as error:
            return [f"cannot be scored: {error}"]
        fresh = {name: getattr(result, name) for name in STORED}
        fresh.update(risk_level=risk.level, anxiety_flag=risk.anxiety_flag)
        return [
            f"{name} stored {getattr(screening, name)!r}, scores {value!r}"
            for name, value in fresh.items()
            if getattr(screening, name) != value
        ]
