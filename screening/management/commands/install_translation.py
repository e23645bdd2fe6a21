from django.core.management.base import BaseCommand, CommandError

from screening.instruments import translations


class Command(BaseCommand):
    help = (
        "Installs a validated translation of a questionnaire from a pack file the clinic holds a licence for "
        "(format: screening/instruments/translations.py). It is checked against the instrument first; the newest "
        "pack of a questionnaire and language is the one mothers see."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the pack, a UTF-8 JSON file")
        parser.add_argument("--check", action="store_true", help="check the pack without installing it")

    def handle(self, *args, file, check, **options):
        try:
            with open(file, "rb") as pack_file:
                raw = pack_file.read()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            instrument, text, _data, digest = translations.read_pack(raw)
            if check:
                self.stdout.write(f"{file}: a complete {instrument.key} pack in {text.language}; sha256 {digest}.")
                return
            pack, created = translations.install(raw)
        except translations.InvalidLanguagePack as error:
            raise CommandError(f"{file} was not installed: {error}") from None
        verb = "Installed" if created else "Already installed"
        self.stdout.write(
            f"{verb}: {instrument.key} in {pack.language}, {len(text.items)} items, sha256 {pack.sha256}.\n"
            f"Citation shown on every result taken in it: {pack.citation}"
        )
