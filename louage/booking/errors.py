from django.utils.translation import gettext_lazy as _

from louage.core.errors import Conflict, InvalidTransition


class NotEnoughSeats(Conflict):
    code = "not_enough_seats"
    default_message = _("Il n'y a plus assez de places libres sur ce départ.")


class TripNotBookable(Conflict):
    code = "trip_not_bookable"
    default_message = _("Ce départ n'est plus réservable.")


class TooManyHolds(Conflict):
    code = "too_many_holds"
    default_message = _(
        "Vous avez déjà 3 réservations en attente de paiement : payez-en ou annulez-en une d'abord."
    )


class TooManyHeldSeats(Conflict):
    code = "too_many_held_seats"


class HoldCooldown(Conflict):
    """Too many unpaid holds ran out lately: the account waits before holding again."""

    status = 429
    code = "hold_cooldown"


class HoldExpired(InvalidTransition):
    code = "hold_expired"
    default_message = _("Le délai de paiement de cette réservation est dépassé.")


class RefundCutoff(Conflict):
    code = "refund_cutoff"
    default_message = _("Trop tard pour annuler en ligne : adressez-vous au guichet de la station.")


class PhoneRequired(Conflict):
    """Stations call travellers about their departure: a booking needs a phone number."""

    code = "phone_required"
    default_message = _("Ajoutez votre numéro de téléphone à votre compte avant de réserver.")
