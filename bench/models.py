from django.db import models


class FloorRow(models.Model):
    """What the insert floor writes: one row, in a table of the benchmark's own (not the audit log,
    whose rows can never be deleted)."""

    at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"FloorRow {self.pk}"
