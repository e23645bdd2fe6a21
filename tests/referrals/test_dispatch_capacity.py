"""The dispatcher's per-run cap leaves room for its goal (issue 32): beat's runs, each handing at
most RUN_LIMIT follow-ups to the workers, can invite 100,000 due follow-ups within 4 minutes."""

from django.conf import settings

from referrals import dispatch


def test_the_per_run_cap_never_holds_production_below_the_goal():
    every = settings.CELERY_BEAT_SCHEDULE["dispatch-follow-ups"]["schedule"]  # seconds between runs
    follow_ups, seconds = dispatch.GOAL
    runs = seconds // every  # runs that start within the goal's time, the first at once
    assert runs * dispatch.RUN_LIMIT >= follow_ups * 2  # with room to spare: twice the goal
