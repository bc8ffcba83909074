"""The sandbox gateway's hosted payment page (development and demo only)."""

import re

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.booking.selectors import visible_reservation
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.stations.forms import StationChoiceField
from louage.stations.models import Station
from louage.stations.services import station_of
from louage.trips.selectors import local_today

from . import online, services
from .models import Payment, PaymentStatus
from .providers import ProviderUnavailable, get_provider
from .providers.sandbox import SIGNATURE_HEADER, callback_body, luhn_ok, sign


class CardForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Numéro de carte"), max_length=23)
    expiry = forms.CharField(label=gettext_lazy("Expiration (MM/AA)"), max_length=5)
    cvc = forms.CharField(
        label=gettext_lazy("Cryptogramme"), max_length=4, widget=forms.PasswordInput
    )

    def clean_number(self):
        number = re.sub(r"[\s-]", "", self.cleaned_data["number"])
        if not number.isdigit() or not 13 <= len(number) <= 19 or not luhn_ok(number):
            raise forms.ValidationError(_("Numéro de carte invalide."))
        return number

    def clean_expiry(self):
        if not re.fullmatch(r"(0[1-9]|1[0-2])/\d\d", self.cleaned_data["expiry"]):
            raise forms.ValidationError(_("Format attendu : MM/AA."))
        return self.cleaned_data["expiry"]

    def clean_cvc(self):
        if not re.fullmatch(r"\d{3,4}", self.cleaned_data["cvc"]):
            raise forms.ValidationError(_("3 ou 4 chiffres."))
        return self.cleaned_data["cvc"]


def _sandbox_payment(reference):
    try:
        get_provider("sandbox")
    except ProviderUnavailable:
        raise Http404 from None
    payment = (
        Payment.objects.select_related(
            "reservation__trip__origin", "reservation__trip__destination"
        )
        .filter(provider_reference=reference, method="sandbox")
        .first()
    )
    if payment is None:
        raise Http404
    return payment


@login_not_required
def sandbox_page(request, reference):
    """The gateway's hosted page. As a real gateway's, its link is enough, without a Louage
    session (a phone app opens it in a browser): the reference in it is the capability —
    unguessable (96 random bits), single use (only a pending payment takes a card) and
    short-lived (PAYMENT_LINK_MINUTES after the payment started)."""
    payment = _sandbox_payment(reference)
    if payment.status == PaymentStatus.PENDING and online.link_expired(payment):
        return render(request, "payments/sandbox_page.html", {"payment": payment, "expired": True},
                      status=410)  # fmt: skip
    form = CardForm(request.POST or None)
    if request.method == "POST" and payment.status == PaymentStatus.PENDING and form.is_valid():
        # Exactly what a gateway does: sign the result and hand it to the webhook code path.
        body = callback_body(
            reference=reference, card_number=form.cleaned_data["number"], amount=payment.amount
        )
        try:
            result = online.handle_callback(
                provider_name="sandbox", body=body, headers={SIGNATURE_HEADER: sign(body)}
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            if result.status == PaymentStatus.SUCCEEDED:
                messages.success(request, _("Paiement accepté : votre billet est prêt."))
            elif result.status == PaymentStatus.REFUNDED:
                messages.error(
                    request, _("Le délai était dépassé : le paiement vous a été remboursé.")
                )
            else:
                messages.error(
                    request,
                    _(
                        "Paiement refusé par la banque. Essayez une autre carte ou payez au guichet."
                    ),
                )
        if request.user.is_authenticated and payment.client_id == request.user.pk:
            return redirect("booking:detail", payment.reservation_id)
        return redirect("payments:sandbox_page", reference)  # the outcome, on the page itself
    return render(request, "payments/sandbox_page.html", {"payment": payment, "form": form})


@login_required
@require_POST
def pay_online(request, reservation_id):
    try:
        reservation = visible_reservation(request.user, reservation_id)
        payment = online.start_online_payment(reservation=reservation, by=request.user)
    except (DomainError, ProviderUnavailable) as exc:
        messages.error(
            request,
            getattr(exc, "message", _("Le paiement en ligne est indisponible : payez au guichet.")),
        )
        return redirect("booking:detail", reservation_id)
    return redirect(online.redirect_url_of(payment, request))


@login_required
@require_POST
def refund(request, payment_id):
    payment = (
        Payment.objects.select_related("reservation__trip__origin").filter(pk=payment_id).first()
    )
    if payment is None:
        raise Http404
    try:
        visible_reservation(request.user, payment.reservation_id)
        online.request_refund(payment=payment, by=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Paiement annulé et remboursé ; la réservation est annulée."))
    return redirect("booking:detail", payment.reservation_id)


class CashCloseForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Jour"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    station = StationChoiceField(
        label=gettext_lazy("Station"),
        required=False,
        queryset=Station.objects.order_by("city", "name"),
    )
    format = forms.ChoiceField(
        required=False, choices=[("", "html"), ("csv", "csv"), ("pdf", "pdf")]
    )


@role_required(Role.CHIEF, Role.ADMIN)
def cash_close(request):
    """The day's cash close of the chief's station (admins choose one): page, CSV, PDF."""
    from .api import cash_close_file

    # The date field shows the day the page shows (today unless another is asked).
    query = request.GET.copy()
    if not query.get("date"):
        query["date"] = local_today().isoformat()
    form = CashCloseForm(query)
    if not form.is_valid():
        return render(
            request, "payments/cash_close.html", {"form": form, "close": None}, status=400
        )
    data = form.cleaned_data
    if request.user.role == Role.CHIEF:
        station = station_of(request.user)
        form.fields.pop("station")
    else:
        station = data.get("station")
    if station is None:
        if request.user.role == Role.CHIEF:
            messages.error(request, _("Vous ne dirigez aucune station."))
            return redirect("home")
        return render(request, "payments/cash_close.html", {"form": form, "close": None})
    day = data.get("date") or local_today()
    close = services.cash_close_for(station=station, by=request.user, day=day)
    if data.get("format") in ("csv", "pdf"):
        return cash_close_file(close, data["format"], labels=True)
    query = request.GET.copy()
    query.pop("format", None)
    query["date"] = day.isoformat()
    if request.user.role == Role.ADMIN:
        query["station"] = station.pk
    return render(
        request,
        "payments/cash_close.html",
        {"form": form, "close": close, "querystring": query.urlencode()},
    )
