"""Every label a page shows through get_FOO_display is the one Django's own lookup gives, in each
language, for every choice of every field that has them (common.choices)."""

import pytest
from django.apps import apps
from django.db import models
from django.utils import translation

from common.choices import ChoiceLabels

FIELDS = [
    (model, field)
    for model in apps.get_models()
    if issubclass(model, ChoiceLabels)
    for field in model._meta.concrete_fields
    if field.choices
]


def test_every_model_with_choices_looks_its_labels_up():
    own = {
        model.__name__
        for model in apps.get_models()
        if model.__module__.split(".")[0] in ("screening", "referrals", "fhir_api")
        and not model.__name__.startswith("Historical")
        and any(field.choices for field in model._meta.concrete_fields)
    }
    assert own == {model.__name__ for model, _field in FIELDS}


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("model", "field"), FIELDS, ids=lambda v: getattr(v, "name", getattr(v, "__name__", v)))
def test_labels_are_djangos_in_each_language(model, field, language):
    with translation.override(language):
        for value, _label in field.flatchoices:
            row = model(**{field.attname: value})
            assert row._get_FIELD_display(field) == models.Model._get_FIELD_display(row, field)
        stray = model(**{field.attname: "not-a-choice"})
        assert stray._get_FIELD_display(field) == "not-a-choice"


def test_a_label_is_translated_when_shown_not_when_first_looked_up():
    from screening.models import Mother

    mother = Mother(preferred_language="es")
    assert mother.get_preferred_language_display() == "Spanish"
    with translation.override("es"):
        assert mother.get_preferred_language_display() == "Español"
