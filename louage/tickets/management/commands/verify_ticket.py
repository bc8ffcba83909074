import json
import urllib.request
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime

from louage.core.times import format_local
from louage.tickets import tokens


class Command(BaseCommand):
    help = (
        "Verify a ticket's QR token offline, with public keys only: a key set saved from "
        "GET /api/v1/tickets/keys (a file), that URL, or by default this installation's "
        "public keys. Exits with 1 and the reason when the ticket is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("token", help="the QR code's content (LT1.…)")
        parser.add_argument(
            "--keys", help="a JSON key set: a file, or an http(s) URL such as …/api/v1/tickets/keys"
        )
        parser.add_argument("--station", type=int, help="refuse tickets of other stations")
        parser.add_argument("--at", help="check as of this ISO date and time (default: now)")

    def handle(self, *args, token, keys=None, station=None, at=None, **options):
        public_keys = self._keys(keys) if keys else tokens.public_keys()
        now = None
        if at:
            now = parse_datetime(at)
            if now is None or now.tzinfo is None:
                raise CommandError("--at takes an ISO date and time with its offset")
        try:
            ticket = tokens.read_ticket(token, keys=public_keys, now=now)
        except tokens.TicketRefused as exc:
            raise CommandError(f"{exc.reason} [{exc.code}]") from None
        if station is not None and ticket.station_id != station:
            raise CommandError(
                f"Billet d'une autre station (n° {ticket.station_id}) [other_station]"
            )
        self.stdout.write(
            f"Billet valable : réf. {ticket.code}, {ticket.seats} place{'s' if ticket.seats > 1 else ''}, départ "
            f"n° {ticket.trip_id} de la station n° {ticket.station_id}, le "
            f"{ticket.day:%d/%m/%Y} (expire le {format_local(ticket.expires_at, 'datetime')}, "
            f"clé {ticket.key_id})."
        )

    def _keys(self, source):
        try:
            if source.startswith(("http://", "https://")):
                with urllib.request.urlopen(source, timeout=10) as response:  # noqa: S310
                    data = json.load(response)
            else:
                data = json.loads(Path(source).read_text())
            return tokens.keys_from_jwks(data)
        except (OSError, ValueError) as exc:
            raise CommandError(f"no usable key set in {source}: {exc}") from None
