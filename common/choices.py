"""Choice labels looked up, not rebuilt.

Django's `get_FOO_display` builds a dict of every choice on each call, hashing each lazy label, which
translates it: a worklist page of 25 mothers made over a hundred such calls, a fifth of its
template's time. Here each field's labels are gathered once and only the one shown is translated, in
the language active when it is shown."""

from functools import cache

from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@cache
def _labels(field):
    return {make_hashable(value): label for value, label in field.flatchoices}


class ChoiceLabels:
    """Mixed into a model whose fields have fixed choices."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
