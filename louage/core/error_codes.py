"""Every machine `code` an API error may carry, with the statuses it comes with and what it
means: the one list the OpenAPI document publishes (ErrorOut.code's `x-error-codes`, each
operation's `x-error-codes`). A DomainError subclass with a code missing here fails at import;
tests/core/test_error_codes.py fails when a raise site or handler names one that is missing."""

from typing import NamedTuple


class ErrorCode(NamedTuple):
    statuses: tuple
    meaning: str


def _code(meaning, *statuses):
    return ErrorCode(statuses, meaning)


CODES = {
    # Any operation
    "error": _code("a request that could not be handled (no finer code)", 400),
    "http_error": _code("a request the framework refused (no finer code)", 400),
    "not_authenticated": _code("no bearer access token was sent", 401),
    "token_invalid": _code("the token sent is invalid, revoked or not yours: sign in again", 401),
    "token_expired": _code("the token sent has expired: refresh it (or sign in again)", 401),
    "forbidden": _code("this account may not do this", 403),
    "csrf_failed": _code("a cookie-authenticated write without its CSRF token", 403),
    "not_found": _code("nothing here, or nothing this account may see", 404),
    "method_not_allowed": _code("this path does not take this HTTP method", 405),
    "conflict": _code("impossible in the current state (no finer code)", 409),
    "invalid_transition": _code("the object's status does not allow this (no finer code)", 409),
    "precondition_failed": _code("If-Match names a version that is no longer current", 412),
    "too_large": _code("the request body is larger than the server takes", 413),
    "invalid": _code("invalid input: `errors` lists each problem", 422),
    "malformed_json": _code("the body is not valid JSON", 422),
    "malformed_body": _code("the multipart body cannot be read", 422),
    "rate_limited": _code("too many requests: wait for Retry-After seconds", 429),
    "server_error": _code("a fault of the server: quote `request_id` when reporting it", 500),
    "unavailable": _code("the server is briefly unavailable: retry after Retry-After", 503),
    # Idempotency-Key (operations that take one)
    "invalid_idempotency_key": _code("the Idempotency-Key is not a key the server takes", 422),
    "idempotency_key_reused": _code("this Idempotency-Key was used with another body", 409),
    "idempotency_key_in_use": _code("the first request with this key is still running", 409),
    # Accounts and sign-in
    "bad_credentials": _code("wrong email or password", 401),
    "too_many_login_failures": _code("too many failed sign-ins: wait for Retry-After", 429),
    "token_reused": _code("a refresh or provider token that was already used", 401),
    "invalid_token": _code("a provider's token that is invalid, expired or for another app", 401),
    "nonce_mismatch": _code("the provider token's nonce is not the one requested", 401),
    "unknown_provider": _code("a sign-in or payment provider not switched on here", 404),
    "provider_unavailable": _code("the sign-in or payment provider does not answer", 503),
    "sign_in_refused": _code("the provider sign-in is refused (no finer code)", 403),
    "signup_closed": _code("new accounts cannot be created now", 403),
    "account_inactive": _code("this account is deactivated", 403),
    "email_taken": _code("an account already has this email", 409),
    "email_unverified": _code("confirm your email address first", 403),
    "wrong_password": _code("the current password given is wrong", 403),
    "owner_only": _code("only the account's holder may change its email", 403),
    "superuser_protected": _code("a superuser account is changed only by a superuser", 403),
    "last_admin": _code("the last administrator cannot lose the role", 409),
    "self_delete": _code("an administrator cannot delete their own account here", 409),
    "self_demote": _code("an administrator cannot remove their own admin role", 409),
    "chief_runs_station": _code("this chief still runs a station: appoint another first", 409),
    # Stations, vehicles, fares, departures
    "name_taken": _code("a station already has this name", 409),
    "station_in_use": _code("the station has departures or staff and cannot go", 409),
    "plate_taken": _code("a vehicle already has this plate", 409),
    "vehicle_inactive": _code("the vehicle is out of service", 409),
    "vehicle_busy": _code("the vehicle already has a departure at that time or queue", 409),
    "above_official_fare": _code("the price is above the official fare", 409),
    "fare_in_use": _code("departures still use this fare", 409),
    "queue_departure": _code("a queue's departure is changed through its queue", 409),
    # Queues (next louage)
    "queue_exists": _code("the station already has a queue to this destination", 409),
    "no_official_fare": _code("no official fare for this destination", 409),
    "vehicle_already_queued": _code("the vehicle is already in a queue", 409),
    "vehicle_has_travellers": _code("the vehicle holds travellers' seats", 409),
    "nothing_loading": _code("no louage is loading in this queue", 409),
    "queue_empty": _code("no louage in this queue to take the seats", 409),
    "already_full": _code("the louage is already marked full", 409),
    "not_full": _code("the louage is not full yet", 409),
    "grace_period": _code("paid travellers still have time to arrive", 409),
    "not_loading": _code("only the louage loading at the head of the queue can leave", 409),
    "already_departed": _code("the louage has already left", 409),
    # Reservations and payments
    "not_enough_seats": _code("not enough free seats left", 409),
    "trip_not_bookable": _code("the departure can no longer be booked", 409),
    "book_the_queue": _code("book a queue's seats through its next louage", 409),
    "too_many_holds": _code("three unpaid holds already: pay or cancel one", 409),
    "too_many_held_seats": _code("too many seats held unpaid at once", 409),
    "hold_cooldown": _code("too many unpaid holds ran out: wait for Retry-After", 429),
    "hold_expired": _code("the time to pay this hold is over", 409),
    "phone_required": _code("add a phone number to the account before booking", 409),
    "refund_cutoff": _code("too late to cancel online: see the station's desk", 409),
    "not_confirmed": _code("the ticket exists once the reservation is paid", 409),
    "already_paid": _code("the reservation is already paid", 409),
    "already_refunded": _code("the payment was refunded already or did not succeed", 409),
    "unknown_payment": _code("no such payment", 404),
    "amount_mismatch": _code("the amount is not the payment's", 409),
    "forged_callback": _code("a payment callback with a bad signature or body", 400),
    # Tickets and boarding
    "unknown_ticket": _code("no ticket has this reference", 404),
    "unknown_trip": _code("not a departure of this chief's station", 404),
    "expired_ticket": _code("the ticket's token has expired", 409),
    "forged_ticket": _code("the ticket's token is forged", 409),
    "other_departure": _code("the ticket is for another departure: confirm to board", 409),
    "later_departure": _code("the ticket is for a later departure: confirm to board", 409),
    "other_station": _code("the ticket is for another station", 409),
    "other_day": _code("the ticket is for another day", 409),
    "already_boarded": _code("the traveller has already boarded", 409),
    "cancelled_ticket": _code("the ticket is cancelled or refunded", 409),
    "unpaid_ticket": _code("the reservation is not paid", 409),
    # Webhooks, reports, SMS gateway
    "already_delivered": _code("this delivery already succeeded", 409),
    "unknown_station": _code("no station has this id", 404, 422),
    "invalid_date": _code("a date that is not YYYY-MM-DD", 422),
    "invalid_period": _code("the period's end is before its start", 422),
    "period_too_long": _code("the period is longer than allowed", 422),
    "invalid_format": _code("an export format the server does not make", 422),
    "invalid_table": _code("an export table the server does not know", 422),
    "bad_report": _code("an SMS delivery report of unknown type", 422),
    "bad_number": _code("an SMS from a number that is not Tunisian", 422),
    "bad_message": _code("an SMS without its sender or text", 422),
}

# The codes any operation may answer with a status it declares (the rest are named by the
# services an operation calls, listed document-wide).
GENERIC = {
    400: ("error", "http_error"),
    401: ("not_authenticated", "token_invalid", "token_expired"),
    403: ("forbidden",),
    404: ("not_found",),
    409: ("conflict", "invalid_transition"),
    412: ("precondition_failed",),
    413: ("too_large",),
    422: ("invalid", "malformed_json", "malformed_body"),
    429: ("rate_limited",),
    503: ("unavailable",),
}
IDEMPOTENT = {409: ("idempotency_key_reused", "idempotency_key_in_use"),
              422: ("invalid_idempotency_key",)}  # fmt: skip


def check(code, status=None):
    """Raise when `code` is not listed (or not with `status`): a new code joins CODES."""
    known = CODES.get(code)
    if known is None:
        raise LookupError(f"error code {code!r} is not in louage.core.error_codes.CODES")
    if status is not None and status not in known.statuses:
        raise LookupError(f"error code {code!r} is listed without status {status}")
