"""The QR code's content: a compact token signed with Ed25519, so that a ticket is checked
with the public keys alone — by the check-in page in the browser without a network, by
`manage.py verify_ticket`, or by a partner (GET /api/v1/tickets/keys).

    token     = "LT1." base64url(payload ‖ signature), without padding
    payload   = version (1 byte, 1) · key id (4) · trip id (8) · station id (8)
                · departure day (2: days since 1970-01-01, in Tunis) · expiry (4: Unix time)
                · seats (1) · code length (1) · reservation code (ASCII)
                big-endian, 37 bytes for an 8-character code
    signature = Ed25519 over the payload (64 bytes)

The key id is the first 4 bytes of the SHA-256 of the raw public key (8 hex digits in the
key list). The keys come from TICKET_SIGNING_KEYS, newest first: the first signs, every one
verifies, so tickets signed before a rotation stay valid until they expire (at the end of
their departure day). Imports no model: `verify_ticket` runs without a database.
"""

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext as _

from louage.core import clock
from louage.keys import derive_key

PREFIX = "LT1."
VERSION = 1
HEADER = struct.Struct(">B4sQQHIBB")  # version, key id, trip, station, day, expiry, seats, len
SIGNATURE_BYTES = 64
MAX_TOKEN_LENGTH = 500
EPOCH = date(1970, 1, 1)


class TicketRefused(ValueError):
    """A token that does not make a valid ticket: `code` says why for programs ("unreadable",
    "unknown_key", "bad_signature", "expired"), `reason` for people."""

    def __init__(self, code, reason, ticket=None):
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.ticket = ticket


class ForgedTicket(TicketRefused):
    """Unreadable, signed by an unknown key, or the signature does not match."""


class ExpiredTicket(TicketRefused):
    """Genuine, but its departure day is over."""


@dataclass(frozen=True)
class Ticket:
    code: str
    trip_id: int
    station_id: int
    seats: int
    day: date
    expires_at: datetime
    key_id: str


@dataclass(frozen=True)
class SigningKey:
    key_id: str
    private: Ed25519PrivateKey

    @property
    def public(self):
        return self.private.public_key()


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _raw(public_key):
    return public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_id(public_key):
    return hashlib.sha256(_raw(public_key)).hexdigest()[:8]


@lru_cache(maxsize=8)
def _keys_from(secrets):
    keys = []
    for secret in secrets:
        seed = bytes.fromhex(derive_key(secret, "tickets.ed25519"))
        private = Ed25519PrivateKey.from_private_bytes(seed)
        keys.append(SigningKey(key_id(private.public_key()), private))
    return tuple(keys)


def signing_keys():
    """This installation's keys, the signing one first (TICKET_SIGNING_KEYS)."""
    return _keys_from(tuple(settings.TICKET_SIGNING_KEYS))


def public_keys():
    """{key id: public key} of this installation."""
    return {key.key_id: key.public for key in signing_keys()}


def jwks(keys=None):
    """The public keys as a JSON Web Key Set (RFC 8037 OKP keys), signing key first."""
    keys = public_keys() if keys is None else keys
    return {
        "keys": [
            {"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig", "kid": kid,
             "x": _b64(_raw(public))}
            for kid, public in keys.items()
        ]
    }  # fmt: skip


def keys_from_jwks(data):
    """{key id: public key} from a key set as `jwks` writes it; ValueError when unusable."""
    keys = {}
    try:
        entries = data["keys"]
        for entry in entries:
            if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
                continue
            public = Ed25519PublicKey.from_public_bytes(_unb64(entry["x"]))
            keys[key_id(public)] = public
    except (KeyError, TypeError, AttributeError, binascii.Error, ValueError):
        raise ValueError("not a key set of Ed25519 public keys") from None
    if not keys:
        raise ValueError("the key set holds no Ed25519 public key")
    return keys


def expiry_of(day):
    """A ticket is good until its departure day is over in Tunis."""
    from louage.core.times import day_bounds

    return day_bounds(day)[1]


def issue(*, code, trip_id, station_id, seats, day, key=None):
    """A signed token for these claims, by `key` (default: the signing key)."""
    key = key or signing_keys()[0]
    code_bytes = code.encode("ascii")
    payload = HEADER.pack(
        VERSION, bytes.fromhex(key.key_id), trip_id, station_id, (day - EPOCH).days,
        int(expiry_of(day).timestamp()), seats, len(code_bytes),
    ) + code_bytes  # fmt: skip
    return PREFIX + _b64(payload + key.private.sign(payload))


def ticket_token(reservation):
    """The token printed in the reservation's QR code."""
    from louage.core.times import local_date

    trip = reservation.trip
    return issue(
        code=reservation.code,
        trip_id=trip.pk,
        station_id=trip.origin_id,
        seats=reservation.seats,
        day=local_date(trip.departure),
    )


def looks_like_token(value):
    return (value or "").strip().startswith(PREFIX)


def decode(token):
    """(Ticket, payload, signature) read from `token`, not verified; ForgedTicket when it
    cannot be read."""
    token = (token or "").strip()
    unreadable = ForgedTicket(
        "unreadable", _("Billet illisible : ce n'est pas un code de billet Louage.")
    )
    if not token.startswith(PREFIX) or len(token) > MAX_TOKEN_LENGTH:
        raise unreadable
    try:
        raw = _unb64(token[len(PREFIX) :])
    except (binascii.Error, ValueError):
        raise unreadable from None
    if len(raw) < HEADER.size + SIGNATURE_BYTES:
        raise unreadable
    payload, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
    version, kid, trip_id, station_id, day, expiry, seats, length = HEADER.unpack_from(payload)
    code = payload[HEADER.size :]
    if version != VERSION or len(code) != length or not code.isascii():
        raise unreadable
    ticket = Ticket(
        code=code.decode("ascii"),
        trip_id=trip_id,
        station_id=station_id,
        seats=seats,
        day=EPOCH + timedelta(days=day),
        expires_at=datetime.fromtimestamp(expiry, tz=UTC),
        key_id=kid.hex(),
    )
    return ticket, payload, signature


def read_ticket(token, *, keys=None, now=None):
    """The verified Ticket of `token` with `keys` ({key id: public key}, default: this
    installation's). ForgedTicket or ExpiredTicket (with the reason) otherwise."""
    ticket, payload, signature = decode(token)
    keys = public_keys() if keys is None else keys
    public = keys.get(ticket.key_id)
    if public is None:
        raise ForgedTicket(
            "unknown_key",
            _("Billet signé par une clé inconnue (%(key)s) : faux billet ou clés à mettre à jour.")
            % {"key": ticket.key_id},
        )
    try:
        public.verify(signature, payload)
    except InvalidSignature:
        raise ForgedTicket(
            "bad_signature", _("Billet falsifié : la signature ne correspond pas.")
        ) from None
    if (now or clock.now()) >= ticket.expires_at:
        raise ExpiredTicket(
            "expired",
            _("Billet expiré : il valait pour le %(day)s.")
            % {"day": ticket.day.strftime("%d/%m/%Y")},
            ticket,
        )
    return ticket


# Tickets issued before the Ed25519 tokens carry an HMAC-signed reference (Django signing
# with TICKET_SIGNING_KEY): still accepted online, where the secret is, until they are used.
LEGACY_SALT = "louage.tickets.v1"


def read_legacy_token(token):
    """(reservation id, code) of an HMAC-signed ticket; ForgedTicket when it is not one."""
    try:
        data = signing.loads(
            (token or "").strip(), key=settings.TICKET_SIGNING_KEY, salt=LEGACY_SALT,
            fallback_keys=settings.TICKET_SIGNING_KEY_FALLBACKS,
        )  # fmt: skip
        return int(data["r"]), str(data["c"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ForgedTicket(
            "bad_signature", _("Billet falsifié ou illisible : signature invalide.")
        ) from None
