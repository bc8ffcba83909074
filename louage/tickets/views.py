from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.booking.models import ReservationStatus
from louage.booking.selectors import visible_reservation
from louage.core.decorators import role_required
from louage.core.errors import DomainError

from . import services
from .pdf import render_ticket_pdf


@login_required
def download(request, reservation_id):
    try:
        reservation = visible_reservation(request.user, reservation_id)
    except DomainError:
        raise Http404 from None
    if reservation.status not in (ReservationStatus.CONFIRMED, ReservationStatus.BOARDED):
        messages.error(request, _("Le billet est disponible une fois la réservation payée."))
        return redirect("booking:detail", reservation.pk)
    response = HttpResponse(render_ticket_pdf(reservation), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="billet-{reservation.code}.pdf"'
    return response


@role_required(Role.CHIEF)
def check_in_page(request):
    return render(request, "tickets/check_in.html")


@role_required(Role.CHIEF)
@require_POST
def check_in(request):
    try:
        reservation = services.check_in(code_or_token=request.POST.get("code", ""), by=request.user)
    except DomainError as exc:
        result = {"ok": False, "message": exc.message}
    else:
        result = {"ok": True, "message": _("Embarquement validé : %(name)s, %(seats)s place(s), réf. %(code)s.")
                  % {"name": reservation.traveller_name, "seats": reservation.seats, "code": reservation.code}}  # fmt: skip
    template = "tickets/_check_in_result.html" if request.htmx else "tickets/check_in.html"
    return render(request, template, {"result": result})
