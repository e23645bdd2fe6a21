"""Links by code (common.links) are what the URL resolver makes, under any script prefix."""

import uuid

import pytest
from django.urls import reverse, set_script_prefix

from common.links import link

PAGES = ["mother_detail", "alert_detail", "referral_detail", "screening_detail"]


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("prefix", ["/", "/ppd/"])
def test_a_link_by_code_is_the_resolvers(name, prefix):
    set_script_prefix(prefix)
    try:
        for code in [uuid.uuid4() for _ in range(20)] + [uuid.UUID(int=0), str(uuid.uuid4())]:
            assert link(name, code) == reverse(name, args=[code])
    finally:
        set_script_prefix("/")


def test_a_code_that_is_not_a_uuid_makes_no_link():
    with pytest.raises(ValueError):
        link("mother_detail", "../admin")
