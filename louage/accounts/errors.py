from django.utils.translation import gettext_lazy as _

from louage.core.errors import Conflict, DomainError, NotAllowed, NotAuthenticated, NotFound


class UnknownProvider(NotFound):
    code = "unknown_provider"
    default_message = _("Fournisseur de connexion inconnu ou non configuré.")


class InvalidProviderToken(NotAuthenticated):
    code = "invalid_token"
    default_message = _(
        "Jeton du fournisseur invalide, expiré ou délivré pour une autre application."
    )


class ProviderUnavailable(DomainError):
    status = 503
    code = "provider_unavailable"
    default_message = _("Le fournisseur de connexion ne répond pas. Réessayez dans un moment.")


class EmailTaken(Conflict):
    """The provider's address belongs to an account, but the provider does not vouch for it."""

    code = "email_taken"
    default_message = _(
        "Un compte existe déjà avec cette adresse e-mail. Connectez-vous avec votre mot de "
        "passe, puis liez ce fournisseur depuis la page « Mon compte »."
    )


class SignInRefused(NotAllowed):
    code = "sign_in_refused"
    default_message = _("Connexion refusée.")
