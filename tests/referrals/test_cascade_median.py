"""The cascade's median days to first contact, taken from counts of days (reports.cascade): the
median of the days themselves, as PostgreSQL's percentile_cont(0.5) and the direct computation
give it, for any multiset."""

from statistics import median

from hypothesis import given
from hypothesis import strategies as st

from referrals.reports.cascade import median_of_counts


@given(st.lists(st.integers(min_value=-30, max_value=400), max_size=60))
def test_the_median_from_counts_is_the_median_of_the_days(days):
    counts = {}
    for d in days:
        counts[d] = counts.get(d, 0) + 1
    assert median_of_counts(counts) == (float(median(days)) if days else None)


def test_worked_examples():
    assert median_of_counts({3: 1, 10: 1}) == 6.5
    assert median_of_counts({0: 2, 7: 1}) == 0.0
    assert median_of_counts({}) is None
