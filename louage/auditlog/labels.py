"""The audit log as people read it: each action code as a sentence, each recorded detail
with its name, in the page's language. The codes stay in the database and the API."""

from django.utils.translation import gettext_lazy as _

ACTIONS = {
    "fare.deleted": _("Tarif officiel supprimé"),
    "fare.set": _("Tarif officiel fixé"),
    "notice.posted": _("Avis envoyé aux voyageurs"),
    "payment.refunded": _("Paiement remboursé"),
    "payment.refunded_late": _("Paiement arrivé après la fin de la réservation, remboursé"),
    "payment.started": _("Paiement en ligne commencé"),
    "queue.created": _("File d'attente ouverte"),
    "queue.departed": _("Louage de la file parti"),
    "queue.full": _("Louage déclaré complet"),
    "queue.loading": _("Un louage commence à charger"),
    "queue.no_shows_released": _("Places des absents libérées"),
    "queue.reordered": _("File d'attente réordonnée"),
    "queue.vehicle_added": _("Véhicule ajouté à la file"),
    "queue.vehicle_removed": _("Véhicule retiré de la file"),
    "reservation.boarded": _("Voyageur embarqué"),
    "reservation.cancelled": _("Réservation annulée"),
    "reservation.confirmed": _("Réservation confirmée (espèces au guichet)"),
    "reservation.created": _("Places réservées en ligne"),
    "reservation.desk_sale": _("Vente au guichet"),
    "reservation.expired": _("Réservation expirée sans paiement"),
    "reservation.no_show": _("Voyageur absent : places libérées"),
    "reservation.walk_in": _("Voyageurs comptés à la porte"),
    "route_duration.cleared": _("Durée de trajet remise à l'estimation"),
    "route_duration.set": _("Durée de trajet fixée"),
    "station.activated": _("Station remise en service"),
    "station.created": _("Station créée"),
    "station.deleted": _("Station supprimée"),
    "station.no_show_policy": _("Règle des absents changée"),
    "station.updated": _("Station modifiée"),
    "trip.cancelled": _("Départ annulé"),
    "trip.departed": _("Départ parti"),
    "trip.planned": _("Départ programmé"),
    "trip.updated": _("Départ modifié"),
    "user.avatar_changed": _("Photo de profil changée"),
    "user.created": _("Compte créé"),
    "user.deleted": _("Compte supprimé"),
    "user.email_change_requested": _("Changement d'adresse e-mail demandé"),
    "user.email_change_undone": _("Changement d'adresse e-mail annulé"),
    "user.email_changed": _("Adresse e-mail changée"),
    "user.password_changed": _("Mot de passe changé"),
    "user.provider_connected": _("Connexion par un fournisseur ajoutée"),
    "user.provider_disconnected": _("Connexion par un fournisseur retirée"),
    "user.providers_unlinked": _("Connexions par fournisseur retirées (mot de passe repris)"),
    "user.role_changed": _("Rôle changé"),
    "user.updated": _("Compte modifié"),
    "vehicle.created": _("Véhicule ajouté"),
    "vehicle.deactivated": _("Véhicule mis hors service"),
    "vehicle.deleted": _("Véhicule supprimé"),
    "vehicle.updated": _("Véhicule modifié"),
    "webhook.created": _("Webhook partenaire créé"),
    "webhook.deleted": _("Webhook partenaire supprimé"),
    "webhook.delivery_retried": _("Livraison de webhook relancée"),
    "webhook.disabled": _("Webhook partenaire désactivé"),
    "webhook.secret_rotated": _("Secret de signature du webhook renouvelé"),
    "webhook.updated": _("Webhook partenaire modifié"),
}

FAMILIES = {
    "fare.": _("Tarifs"), "notice.": _("Avis"), "payment.": _("Paiements"),
    "queue.": _("Files d'attente"), "reservation.": _("Réservations"),
    "route_duration.": _("Durées de trajet"), "station.": _("Stations"), "trip.": _("Départs"),
    "user.": _("Comptes"), "vehicle.": _("Véhicules"), "webhook.": _("Webhooks"),
}  # fmt: skip

DETAILS = {
    "amount": _("montant"), "created": _("créé"), "delivery": _("livraison"),
    "destination": _("destination"), "events": _("événements"), "free_seats": _("places libres"),
    "minutes": _("minutes"), "name": _("nom"), "no_show_fare": _("billet d'un absent"),
    "payment": _("paiement n°"), "plate": _("véhicule"), "plates": _("véhicules"),
    "previous": _("état précédent"), "price": _("prix"), "provider": _("fournisseur"),
    "reason": _("motif"), "recipients": _("destinataires"), "refunded": _("remboursement n°"),
    "reservations": _("réservations"), "role": _("rôle"), "route": _("trajet"),
    "seats": _("places"), "seats_sold": _("places vendues"), "trip": _("départ n°"),
    "unreached": _("non joints"), "url": _("adresse"), "vehicle": _("véhicule"),
    "departure": _("départ"), "seats_total": _("places"), "destination_id": _("destination"),
    "vehicle_id": _("véhicule"), "email": _("e-mail"), "first_name": _("prénom"),
    "last_name": _("nom"), "phone": _("téléphone"), "city": _("ville"), "address": _("adresse"),
    "owner_name": _("propriétaire"), "owner_phone": _("téléphone du propriétaire"),
    "active": _("en service"), "chief_id": _("chef"), "name_ar": _("nom en arabe"),
    "latitude": _("latitude"), "longitude": _("longitude"), "language": _("langue"),
}  # fmt: skip

OBJECTS = {
    "booking.reservation": _("Réservation"), "trips.trip": _("Départ"), "trips.fare": _("Tarif"),
    "trips.routeduration": _("Durée de trajet"), "stations.station": _("Station"),
    "stations.vehicle": _("Véhicule"), "accounts.user": _("Compte"),
    "payments.payment": _("Paiement"), "queues.queue": _("File d'attente"),
    "queues.queuedvehicle": _("Véhicule en file"), "webhooks.endpoint": _("Webhook"),
    "webhooks.delivery": _("Livraison de webhook"), "notifications.notice": _("Avis"),
}  # fmt: skip


def action_label(code):
    return str(ACTIONS.get(code, code))


def detail_label(key):
    return str(DETAILS.get(key, key))


def object_label(object_type):
    return str(OBJECTS.get(object_type, object_type))


def family_label(family):
    return str(FAMILIES.get(family, family))
