"""Pages are counted by their URL pattern's name ("trips:detail"), never by raw path, so
/departs/123/ and /departs/456/ are one page: "Détail d'un départ"."""

from django.utils.translation import gettext_lazy as _

PAGE_LABELS = {
    "home": _("Accueil"),
    "trips:search": _("Recherche de départs"),
    "trips:detail": _("Détail d'un départ"),
    "stations:list": _("Liste des stations"),
    "stations:detail": _("Détail d'une station"),
    "stations:board": _("Tableau des départs d'une station"),
    "booking:reserve": _("Réserver des places"),
    "booking:mine": _("Mes réservations"),
    "booking:detail": _("Détail d'une réservation"),
    "booking:station": _("Réservations de la station"),
    "booking:desk_sale": _("Vente au guichet"),
    "payments:sandbox_page": _("Paiement en ligne"),
    "tickets:check_in": _("Embarquement"),
    "notifications:list": _("Notifications"),
    "notifications:notice": _("Avis aux voyageurs"),
    "accounts:profile": _("Mon compte"),
    "accounts:profile_edit": _("Modifier mon compte"),
    "accounts:user_list": _("Utilisateurs"),
    "trips:manage": _("Gestion des départs"),
    "trips:create": _("Programmer un départ"),
    "stations:vehicles": _("Gestion des véhicules"),
    "reporting:dashboard": _("Rapports"),
    "account_login": _("Connexion"),
    "account_signup": _("Création de compte"),
    "account_reset_password": _("Mot de passe oublié"),
    "account_change_password": _("Changer de mot de passe"),
}


def page_label(page):
    """The page's name in the current language (its URL name when it has no label)."""
    label = PAGE_LABELS.get(page)
    return str(label) if label is not None else page
