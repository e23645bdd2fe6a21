"""The instruments' public API: get("EPDS").score([0, 1, ...])."""

from .base import ANXIETY, DEPRESSION, CutOff, Instrument, InvalidAnswers, Loinc, Result
from .epds import EPDS
from .nice import GAD2, WHOOLEY
from .phq import GAD7, PHQ2, PHQ9

__all__ = [
    "ANXIETY",
    "DEPRESSION",
    "EPDS",
    "GAD2",
    "GAD7",
    "PHQ2",
    "PHQ9",
    "WHOOLEY",
    "CutOff",
    "InvalidAnswers",
    "Instrument",
    "Loinc",
    "Result",
    "get",
    "all",
]

_CURRENT = {i.code: i for i in (EPDS, PHQ9, PHQ2, GAD7, WHOOLEY, GAD2)}
_BY_VERSION = {(i.code, i.version): i for i in _CURRENT.values()}


class UnknownInstrument(LookupError):
    pass


def get(code, version=None):
    try:
        return _CURRENT[code] if version is None else _BY_VERSION[(code, version)]
    except KeyError:
        raise UnknownInstrument(f"No instrument {code}{'/' + version if version else ''}.") from None


def all():  # noqa: A001 - the registry reads as instruments.all()
    return tuple(_CURRENT.values())


def choices():
    return [(i.code, f"{i.code}: {i.name}") for i in _CURRENT.values()]
