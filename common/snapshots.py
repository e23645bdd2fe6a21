"""Rows kept as JSON and rebuilt as unsaved model instances, so a page shows what they said when they
were stored without reading them again (the stored worklist's reason lines, issue 32)."""

from datetime import date
from functools import cache
from uuid import UUID


def _plain(value):
    if isinstance(value, date):  # a datetime too
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def freeze(instance, names, related=None):
    """{field: value} of `instance`'s fields named (attnames), with each related row named in
    `related` ({name: its fields}) frozen the same way, or None."""
    data = {name: _plain(getattr(instance, name)) for name in names}
    for name, fields in (related or {}).items():
        other = getattr(instance, name)
        data[name] = None if other is None else freeze(other, fields)
    return data


@cache
def _fields(model):
    return {f.attname: f for f in model._meta.concrete_fields}


def thaw(model, data):
    """An unsaved `model` instance holding the frozen values, its related rows cached on it: reading
    a field or relation that was frozen makes no query."""
    fields = _fields(model)
    instance = model(**{name: fields[name].to_python(value) for name, value in data.items() if name in fields})
    for name, value in data.items():
        if name not in fields and value is not None:
            relation = model._meta.get_field(name)
            relation.set_cached_value(instance, thaw(relation.related_model, value))
    return instance
