"""Online payments, refunds ("annuler un paiement") and provider webhooks."""

import datetime as dt
from typing import Literal

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import Field

from louage.accounts.models import Role
from louage.booking.selectors import visible_reservation
from louage.core import throttles
from louage.core.api import (
    CSV,
    PDF,
    IsoDate,
    Page,
    access,
    error_responses,
    jwt_auth,
    raises,
    require_role,
)
from louage.core.csvfiles import csv_response
from louage.core.errors import DomainError, NotFound
from louage.core.idempotency import idempotent
from louage.core.operations import located
from louage.stations.models import Station
from louage.trips.models import TripKind, TripStatus

from . import online, services
from .exports import cash_close_csv, cash_close_pdf
from .models import Payment, PaymentMethod, PaymentStatus
from .providers import ForgedCallback, ProviderUnavailable, UnknownProvider

router = Router(tags=["payments"])


class PaymentOut(Schema):
    id: int
    reservation_id: int
    amount: int
    method: PaymentMethod
    status: PaymentStatus
    provider_reference: str | None
    paid_at: dt.datetime | None
    refunded_at: dt.datetime | None


class StartOut(Schema):
    payment_id: int
    redirect_url: str


class Ack(Schema):
    detail: str
    status: str | None = None


def payments_for(user):
    payments = Payment.objects.select_related("reservation__trip")
    if user.role == Role.CLIENT:
        return payments.filter(reservation__client=user)
    if user.role == Role.CHIEF:
        return payments.filter(reservation__trip__origin__chief=user)
    return payments


@router.post(
    "/reservations/{int:reservation_id}/payments",
    auth=jwt_auth,
    response={201: StartOut, **error_responses(401, 403, 404, 409, 422, 429, 503)},
    openapi_extra={
        **access(client="own"),
        **raises("trip_not_bookable", "provider_unavailable"),
    },
)
@idempotent
@located("get_payment", field="payment_id")
def start_payment(request, reservation_id: int):
    """Start paying a reservation online → the page of the gateway to send the traveller to
    (`redirect_url`: it works from its link alone, no session needed). Retry with the same
    `Idempotency-Key` to get the same payment. 409 `trip_not_bookable` once the departure
    left, was cancelled or closed online booking."""
    require_role(request, Role.CLIENT)
    throttles.take(
        request, "api-payment", settings.API_RATE_PAYMENT, throttles.account_key(request.auth)
    )
    reservation = visible_reservation(request.auth, reservation_id)
    try:
        payment = online.start_online_payment(reservation=reservation, by=request.auth)
    except ProviderUnavailable:
        return Status(
            503,
            {
                "detail": _("Le paiement en ligne est indisponible : payez au guichet."),
                "code": "provider_unavailable",
            },
        )
    return Status(
        201, {"payment_id": payment.pk, "redirect_url": online.redirect_url_of(payment, request)}
    )


@router.get(
    "/payments",
    auth=jwt_auth,
    response={200: list[PaymentOut], **error_responses(401)},
    openapi_extra=access(client="own", chief="station", admin="all"),
)
@paginate(Page)
def list_payments(request):
    return payments_for(request.auth).order_by("-created_at", "-pk")


@router.get(
    "/payments/{int:payment_id}",
    auth=jwt_auth,
    response={200: PaymentOut, **error_responses(401, 404)},
    openapi_extra=access(client="own", chief="station", admin="all"),
)
def get_payment(request, payment_id: int):
    payment = payments_for(request.auth).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("Paiement introuvable."))
    return payment


@router.post(
    "/payments/{int:payment_id}/refund",
    auth=jwt_auth,
    response={200: PaymentOut, **error_responses(401, 403, 404, 409, 429, 503)},
    openapi_extra={
        **access(client="own", chief="station", admin="all"),
        **raises("already_refunded", "refund_cutoff"),
    },
)
@idempotent
def refund_payment(request, payment_id: int):
    throttles.take(
        request, "api-payment", settings.API_RATE_PAYMENT, throttles.account_key(request.auth)
    )
    payment = payments_for(request.auth).filter(pk=payment_id).first()
    if payment is None:
        raise NotFound(_("Paiement introuvable."))
    return online.request_refund(payment=payment, by=request.auth)


@router.api_operation(
    ["GET", "POST"],
    "/payments/webhooks/{provider}",
    url_name="payment_webhook",
    response={200: Ack, **error_responses(400, 404, 409)},
    # The gateways' callbacks: not an operation for clients, so not in their document.
    include_in_schema=False,
)
def webhook(request, provider: str = Path(..., max_length=40)):
    """Signed callback from a payment provider (`sandbox`, `konnect`). Idempotent: duplicates
    change nothing. 400 for a forged or unreadable callback; 404 for a provider that is not
    switched on here, or an unknown payment."""
    try:
        payment = online.handle_callback(
            provider_name=provider, body=request.body, headers=request.headers, query=request.GET
        )
    except ForgedCallback:
        raise DomainError(_("Signature ou contenu invalide."), code="forged_callback") from None
    except UnknownProvider:
        raise NotFound(_("Fournisseur de paiement inconnu."), code="unknown_provider") from None
    return {"detail": "ok", "status": payment.status}


class FiguresOut(Schema):
    cash_taken: int
    cash_refunded: int
    cash_net: int
    online_taken: int
    online_refunded: int
    online_net: int
    net: int
    seats_sold: int
    seats_refunded: int
    payments: int


class VehicleCloseOut(FiguresOut):
    plate: str
    owner_name: str
    owner_phone: str


class OwnerCloseOut(FiguresOut):
    owner_name: str
    owner_phone: str
    plates: list[str]


class DepartureCloseOut(FiguresOut):
    trip_id: int
    departure: dt.datetime
    kind: TripKind
    status: TripStatus
    destination: str
    plate: str


class OnlineMethodOut(Schema):
    method: PaymentMethod
    count: int
    amount: int


class RefundCloseOut(Schema):
    refunded_at: dt.datetime
    code: str
    plate: str
    method: PaymentMethod
    amount: int


class CashCloseOut(Schema):
    station_id: int
    station: str
    date: dt.date
    totals: FiguresOut
    vehicles: list[VehicleCloseOut]
    owners: list[OwnerCloseOut]
    departures: list[DepartureCloseOut]
    online_by_method: list[OnlineMethodOut]
    refunds: list[RefundCloseOut]


class CashReportQuery(Schema):
    date: IsoDate = Field(None, description="YYYY-MM-DD, Africa/Tunis; today by default")
    format: Literal["json", "csv", "pdf"] = "json"


def cash_close_file(close, kind, *, disposition="attachment", labels=False):
    """`labels`: the CSV's headers in the page's language (the web page's file, for people;
    with a byte-order mark, as the report exports, so spreadsheets read Arabic right)."""
    name = f"caisse-{close.station.pk}-{close.day.isoformat()}"
    if kind == "csv":
        return csv_response(cash_close_csv(close, labels=labels), f"{name}.csv")
    response = HttpResponse(cash_close_pdf(close), content_type="application/pdf")
    response["Content-Disposition"] = f'{disposition}; filename="{name}.{kind}"'
    return response


@router.get(
    "/stations/{int:station_id}/cash-report",
    auth=jwt_auth,
    response={200: CashCloseOut, **error_responses(401, 403, 404, 422)},
    openapi_extra={
        **access(chief="station", admin="all"),
        "responses": {200: {"content": {**CSV, **PDF}}},
    },
)
def get_cash_report(request, station_id: int, filters: Query[CashReportQuery]):
    """The day's cash close of a station (its chief, admins): cash per vehicle and per owner,
    online payments, refunds, seats sold per departure; `format=csv` or `format=pdf` for the
    files. Amounts in millimes; they add up to the payment records."""
    station = Station.objects.filter(pk=station_id).first()
    if station is None:
        raise NotFound(_("Station introuvable."))
    close = services.cash_close_for(station=station, by=request.auth, day=filters.date)
    if filters.format != "json":
        return cash_close_file(close, filters.format)
    return {
        "station_id": station.pk,
        "station": station.name,
        "date": close.day,
        "totals": close.totals,
        "vehicles": close.vehicles,
        "owners": close.owners,
        "departures": close.departures,
        "online_by_method": [
            {"method": method, "count": count, "amount": amount}
            for method, (count, amount) in sorted(close.online_by_method.items())
        ],
        "refunds": close.refunds,
    }
