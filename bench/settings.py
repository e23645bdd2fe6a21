"""The app's own settings plus the benchmark's floor views (`bench/floor.py`) and their table:
used only by `make bench`, so no production configuration can route them."""

from config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
