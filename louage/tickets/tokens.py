"""The QR code's content: a signed token naming the reservation. Unguessable (HMAC with the
secret key) and checkable without a database round-trip for the signature."""

from django.conf import settings
from django.core import signing

SALT = "louage.tickets.v1"


class ForgedTicket(ValueError):
    pass


def ticket_token(reservation):
    return signing.dumps(
        {"r": reservation.pk, "c": reservation.code},
        key=settings.TICKET_SIGNING_KEY,
        salt=SALT,
        compress=True,
    )


def read_token(token):
    """→ (reservation id, code); ForgedTicket when the signature or shape is wrong."""
    try:
        data = signing.loads((token or "").strip(), key=settings.TICKET_SIGNING_KEY, salt=SALT)
        return int(data["r"]), str(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ForgedTicket("invalid ticket token") from None
