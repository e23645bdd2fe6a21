"""Rows written back at once (common.bulk.write_back): the fields named, in one statement, and
nothing else of the row, however the row was changed meanwhile."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from common.bulk import write_back
from screening.models import Mother

from .conftest import make_mother


@pytest.fixture
def mothers(clinic_a, front_desk):
    return [make_mother(clinic_a, front_desk, record_number=f"W-{n}", given_name=f"Ana{n}") for n in range(3)]


def test_only_the_named_fields_are_written_in_one_statement(mothers):
    created = {m.pk: m.created_at for m in mothers}
    Mother.objects.filter(pk__in=[m.pk for m in mothers]).update(family_name="Changed elsewhere")
    for n, mother in enumerate(mothers):
        mother.given_name = f"Bea{n}"
        mother.family_name = "Stale in memory"
    with CaptureQueriesContext(connection) as queries:
        write_back(mothers, ["given_name"])
    assert len(queries) == 1
    stored = {m.pk: m for m in Mother.objects.filter(pk__in=created)}
    assert sorted(m.given_name for m in stored.values()) == ["Bea0", "Bea1", "Bea2"]
    assert {m.family_name for m in stored.values()} == {"Changed elsewhere"}
    assert {pk: m.created_at for pk, m in stored.items()} == created
    assert Mother.objects.count() == 3  # written back, not added


def test_nothing_to_write_is_no_statement(db):
    with CaptureQueriesContext(connection) as queries:
        write_back([], ["given_name"])
    assert len(queries) == 0
