"""Compiles locale/*/LC_MESSAGES/django.po to .mo with polib, so no gettext tools are needed."""

from pathlib import Path

import polib

for po_path in Path(__file__).resolve().parent.parent.glob("locale/*/LC_MESSAGES/django.po"):
    po = polib.pofile(str(po_path))
    po.save_as_mofile(str(po_path.with_suffix(".mo")))
    print(f"{po_path}: {po.percent_translated()}% translated")
