"""Tenancy in one mechanism.

Every clinic-owned model's default manager is a django-scopes manager on its clinic. A staff
request runs in the scope of the clinic the user works in (reports: the clinics she administers),
so a query that forgets to filter still sees that clinic only. A request without a clinic (the
mother's link, the provider's link, the FHIR API) runs in an empty scope, where touching a
clinic-owned model raises `ScopeError` until the view names the clinic its token belongs to.

Only code that acts for every clinic by design leaves the scope, and says so: Celery tasks, the
Django admin (superusers), management commands and the token lookups themselves.
"""

from contextlib import contextmanager

from django.db import models
from django_scopes import ScopedManager, scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet

__all__ = ["ClinicScopedQuerySet", "clinic_manager", "clinic_scope", "no_clinic_scope", "every_clinic"]


class ClinicScopedQuerySet(models.QuerySet):
    def visible_to(self, membership):
        """The records of the clinic the user is working in, said out loud where a view reads
        them (the scope would filter the same rows)."""
        if membership is None:
            return self.none()
        return self.filter(clinic_id=membership.clinic_id)


def clinic_manager(queryset=ClinicScopedQuerySet, manager=models.Manager, clinic="clinic"):
    """A default manager scoped on `clinic` (a lookup path for rows that reach theirs through a
    parent), with the model's own queryset methods. Out of scope it raises at once, whatever is
    asked of it but `none()`, rather than on the first of the methods django-scopes guards."""
    scoped = ScopedManager(clinic=clinic, _manager_class=manager.from_queryset(queryset)).__class__

    class ClinicManager(scoped):
        def get_queryset(self):
            found = super().get_queryset()
            if isinstance(found, DisabledQuerySet):
                found.error()
            return found

        def none(self):  # an empty choice list is safe anywhere, even at import
            return self._queryset_class(model=self.model, using=self._db).none()

    return ClinicManager()


@contextmanager
def clinic_scope(clinic_ids):
    """Queries see only these clinics (one id, or a list for reports across clinics)."""
    with scope(clinic=list(clinic_ids) if isinstance(clinic_ids, list | tuple | set) else clinic_ids):
        yield


@contextmanager
def no_clinic_scope():
    """An active scope naming no clinic: any clinic-owned query raises until one is named."""
    with scope():
        yield


every_clinic = scopes_disabled
