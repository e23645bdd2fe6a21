from datetime import date, timedelta
from functools import wraps

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from common.downloads import csv_download
from screening import audit
from screening.access import ADMINS, staff_view
from screening.forms import DateInput
from screening.models import AuditEntry, Role
from screening.tenancy import clinic_scope

from . import pathways
from .reports import measures, tables
from .reports.base import Filters

EARLIEST, LATEST = date(1990, 1, 1), date(2100, 12, 31)
IN_RANGE = [
    MinValueValidator(EARLIEST, _("Choose a date from 1990 on.")),
    MaxValueValidator(LATEST, _("Choose a date before 2101.")),
]


class ReportFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput(), validators=IN_RANGE)
    end = forms.DateField(label=_("To"), required=False, widget=DateInput(), validators=IN_RANGE)
    clinic = forms.ChoiceField(label=_("Clinic"), required=False)
    pathway = forms.ChoiceField(label=_("Pathway"), required=False)

    def __init__(self, *args, clinics, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinics = clinics
        self.fields["clinic"].choices = [(str(c.code), c.name) for c in clinics] + [("all", _("All my clinics"))]
        self.fields["clinic"].initial = str(clinics[0].code)
        self.fields["pathway"].choices = [("", _("All pathways"))] + pathways.choices()

    def filters(self):
        today = timezone.localdate()
        data = self.cleaned_data if self.is_valid() else {}
        end = data.get("end") or today
        start = data.get("start") or end - timedelta(days=365)
        if start > end:
            start, end = end, start
        choice = data.get("clinic") or str(self.clinics[0].code)  # the clinic in use, unless asked for all
        chosen = self.clinics if choice == "all" else [c for c in self.clinics if str(c.code) == choice][:1]
        chosen = chosen or self.clinics[:1]
        return Filters([c.pk for c in chosen], start, end, data.get("pathway", ""))


def _admin_clinics(request):
    """Reports cover every clinic the user administers (the clinic in use first)."""
    memberships = request.user.own_memberships().filter(role=Role.CLINIC_ADMIN)
    clinics = sorted((m.clinic for m in memberships), key=lambda c: (c.pk != request.membership.clinic_id, c.name))
    return clinics


def report_view(view):
    """A clinic admin's report runs in the scope of every clinic she administers."""

    @staff_view(ADMINS)
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.report_clinics = _admin_clinics(request)
        with clinic_scope([c.pk for c in request.report_clinics]):
            return view(request, *args, **kwargs)

    return wrapper


def _filters(request):
    form = ReportFilterForm(request.GET or None, clinics=request.report_clinics)
    return form, tables.prepare(form.filters())


@require_GET
@report_view
def report_page(request):
    form, filters = _filters(request)
    shown = tables.all_tables(filters)
    audit.record(
        request.user,
        request.membership.clinic,
        AuditEntry.Action.VIEW,
        None,
        f"reports {filters.start} to {filters.end}",
    )
    return render(
        request,
        "referrals/reports.html",
        {
            "form": form,
            "filters": filters,
            "tables": shown,
            "query": request.GET.urlencode(),
            "print_view": request.GET.get("print") == "1",
            "clinic_names": [c.name for c in form.clinics if c.pk in filters.clinic_ids],
            "pathway_label": dict(pathways.choices()).get(filters.pathway, ""),
            "charts": [t.chart_data() for t in shown if t.chart and t.rows],
        },
    )


@require_GET
@report_view
def report_csv(request, slug):
    form, filters = _filters(request)
    if slug not in tables.TABLES:
        raise Http404
    table = tables.TABLES[slug](filters)
    response = csv_download(f"{slug}-{filters.start}-{filters.end}.csv", table.columns, table.rows)
    audit.record(request.user, request.membership.clinic, AuditEntry.Action.VIEW, None, f"report CSV {slug}")
    return response


@require_GET
@report_view
def measure_mothers(request, slug, part):
    """The units behind a quality-measure number, for outreach: met, or counted but not met; as a
    page or, with format=csv, a download."""
    form, filters = _filters(request)
    measure = measures.measure(filters, slug)
    if measure is None or part not in ("numerator", "gap"):
        raise Http404
    units = measures.unit_rows(measure, part)
    audit.record(request.user, request.membership.clinic, AuditEntry.Action.VIEW, None, f"measure {slug} {part}")
    if request.GET.get("format") == "csv":
        child = measure.unit == "child"
        columns = (_("Mother"), _("Record number"), _("Clinic"), _("Child born") if child else _("Delivered"))
        rows = (
            (
                u.mother.full_name,
                u.mother.record_number,
                u.mother.clinic.name,
                u.date_of_birth if child else u.delivery_date,
            )
            for u in units.iterator()
        )
        return csv_download(f"{slug}-{part}-{filters.start}-{filters.end}.csv", columns, rows)
    query = request.GET.copy()
    query.pop("format", None)
    return render(
        request,
        "referrals/measure_mothers.html",
        {"measure": measure, "part": part, "units": units[:1000], "filters": filters, "query": query.urlencode()},
    )
