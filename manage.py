#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line
    from django_scopes import scopes_disabled

    with scopes_disabled():  # commands act for every clinic; each request names its own scope
        execute_from_command_line(sys.argv)
