from django.core.exceptions import PermissionDenied
from django.shortcuts import render

from louage.accounts.models import Role
from louage.core.decorators import role_required
from louage.core.errors import DomainError, NotAllowed
from louage.core.forms import apply_domain_error
from louage.core.pagination import paginate_request

from . import selectors
from .forms import AuditFilterForm


@role_required(Role.ADMIN, Role.CHIEF)
def journal(request):
    """The audit log: admins read the network's, a chief its station's."""
    is_admin = request.user.role == Role.ADMIN
    form = AuditFilterForm(
        request.GET or None, actions=selectors.known_actions(), with_station=is_admin
    )
    filters = form.cleaned_data if form.is_valid() else {}
    station = filters.get("station")
    try:
        entries = selectors.entries(
            user=request.user, station_id=station.pk if station else None,
            actor=filters.get("actor", ""), action=filters.get("action", ""),
            day_from=filters.get("day_from"), day_to=filters.get("day_to"),
        )  # fmt: skip
    except NotAllowed:
        raise PermissionDenied from None  # a chief who runs no station
    except DomainError as exc:
        if form.is_bound:
            apply_domain_error(form, exc)
        entries = selectors.entries(user=request.user)
    page, querystring = paginate_request(request, entries, per_page=50)
    page.object_list = selectors.shown_to(request.user, list(page.object_list))
    return render(
        request, "auditlog/journal.html",
        {"form": form, "page": page, "querystring": querystring, "is_admin": is_admin},
    )  # fmt: skip
