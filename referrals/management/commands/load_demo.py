from django.core.management.base import BaseCommand

from referrals import demo as referral_demo
from screening import demo


class Command(BaseCommand):
    help = "Loads demo clinics, staff, mothers, screenings, providers and referrals. Running it again changes nothing."

    def handle(self, *args, **options):
        demo.load()
        referral_demo.load()
        self.stdout.write(f"Demo logins (password {demo.PASSWORD}):")
        for name, usernames in demo.CLINICS:
            self.stdout.write(f"  {name}: {', '.join(usernames)} (clinic admin, clinician, front desk)")
        self.stdout.write("  superuser: root (Django admin at /admin/)")
