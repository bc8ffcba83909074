import logging

import requests
from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.core.internal import ratelimit
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.base import AuthError
from django.conf import settings
from django.contrib.sites.shortcuts import get_current_site
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from louage.core.audit import audit
from louage.core.mail import send_or_queue

from . import selectors
from .models import Role

logger = logging.getLogger(__name__)

EMAIL_CHANGED_TEMPLATE = "account/email/email_changed"
PROVIDER_LINKED_TEMPLATE = "socialaccount/email/account_connected"


def _login_failed_rates(per):
    """allauth's `login_failed` rates (RATE_LOGIN_FAILED) that count per `per`: "key" (one
    account) or "ip" (one address), as a config for allauth's rate limiter. Each keeps the
    counter allauth itself would use."""
    spec = account_settings.RATE_LIMITS.get("login_failed") or ""
    parts = [part.strip() for part in spec.split(",") if part.strip()]
    return {"login_failed": ",".join(p for p in parts if ratelimit.parse_rate(p).per == per)}


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # Where a login without an explicit `next` lands: back to the seats a visitor chose
        # before logging in, else a chief's day at the station, an admin's dashboard, else
        # the home page.
        if isinstance(request.session.get("booking_intent"), dict):
            return reverse("booking:resume")
        role = getattr(request.user, "role", None)
        if role == Role.CHIEF:
            return reverse("booking:today")
        if role == Role.ADMIN:
            return reverse("reporting:dashboard")
        return super().get_login_redirect_url(request)

    def save_user(self, request, user, form, commit=True):
        # Web sign-up always creates a client: roles are given by administrators only.
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.CLIENT
        # The language of the pages the traveller signed up on: emails and tickets follow it.
        user.language = _supported(translation.get_language())
        if commit:
            user.save()
        return user

    def send_mail(self, template_prefix, email, context):
        # Louage's own HTML and text emails (templates/account/email/), in the recipient's
        # language: their account's, whichever page sent it; an address without an account
        # gets the language of the page. allauth's own send_mail, except that a mail server
        # failure queues the message instead of failing the request.
        user = context.get("user") or _account_of(email)
        language = getattr(user, "language", None) or translation.get_language()
        request = allauth_context.request
        with translation.override(_supported(language)):
            message = self.render_mail(
                template_prefix,
                email,
                {
                    "request": request,
                    "email": email,
                    "current_site": get_current_site(request),
                    "site_url": settings.SITE_URL,
                    "greeting_name": getattr(user, "first_name", ""),
                }
                | context,
            )
        send_or_queue(message)

    def pre_authenticate(self, request, **credentials):
        # Before the password is checked, only the account's own budget of failures may refuse
        # (brute force on one account). allauth also spends the address's budget here, so that
        # others' failures behind one NAT address refused a correct password: that budget is
        # spent by failures only, in authentication_failed.
        key = self._get_login_attempts_cache_key(request, **credentials)
        self._login_failed_rl_usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed", key=key,
            config=_login_failed_rates("key"),
        )  # fmt: skip
        if not self._login_failed_rl_usage:
            raise self.validation_error("too_many_login_attempts")

    def authentication_failed(self, request, **credentials):
        # A wrong password spends the address's budget; once it is spent, wrong passwords from
        # that address are refused (429, "too many attempts") instead of being answered, which
        # slows down spraying. A correct password never reaches here.
        usage = ratelimit.consume(
            request, app="allauth.account", action="login_failed",
            config=_login_failed_rates("ip"),
        )  # fmt: skip
        if not usage:
            raise self.validation_error("too_many_login_attempts")

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        # The account's owner reads it in their language (send_mail looks at `user`).
        context = {"user": user, **(context or {})}
        if template_prefix == PROVIDER_LINKED_TEMPLATE:
            # Told once the link is stored: nothing is sent for a login that rolls back.
            request, send = allauth_context.request, super().send_notification_mail
            path = reverse("account_reset_password")
            context["reset_url"] = request.build_absolute_uri(path)

            def send_after_commit():
                with allauth_context.request_context(request):
                    send(template_prefix, user, context, email)

            transaction.on_commit(send_after_commit)
            return
        # The previous address of a changed login gets a way to take the account back.
        if template_prefix == EMAIL_CHANGED_TEMPLATE and "from_email" in context:
            from .services import email_change_undo_token

            token = email_change_undo_token(
                user=user, old_email=context["from_email"], new_email=context["to_email"]
            )
            path = reverse("accounts:email_undo", args=[token])
            context["undo_url"] = self.request.build_absolute_uri(path)
        return super().send_notification_mail(template_prefix, user, context, email)


def _account_of(email):
    """The account that logs in with `email` (an "account already exists" notice), if any."""
    from .models import User

    if not isinstance(email, str):
        return None
    return (
        User.objects.filter(email__iexact=email, is_active=True)
        .only("language", "first_name")
        .first()
    )


def _supported(language):
    language = (language or "")[:2]
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class ProviderNotConfigured(SocialApp.DoesNotExist, Http404):
    """A provider whose environment variables are unset: its pages answer 404, not 500, and a
    page listing an account linked to it before shows the account without the provider."""

    silent_variable_failure = True


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Google, Facebook and OpenID Connect logins (web and API) go through here."""

    error_messages = {
        **DefaultSocialAccountAdapter.error_messages,
        "email_taken": _(
            "Un compte existe déjà avec cette adresse e-mail. Connectez-vous avec votre mot "
            "de passe, puis liez votre compte %s depuis la page « Mon compte »."
        ),
        "no_password": _(
            "C'est votre seul moyen de connexion : définissez d'abord un mot de passe."
        ),
    }

    def list_providers(self, request):
        # The buttons' order: the providers most travellers have first.
        order = {"google": 0, "facebook": 1}
        return sorted(super().list_providers(request), key=lambda p: order.get(p.id, 2))

    def get_app(self, request, provider, client_id=None):
        try:
            return super().get_app(request, provider, client_id=client_id)
        except SocialApp.DoesNotExist:
            raise ProviderNotConfigured() from None

    def on_authentication_error(
        self, request, provider, error=None, exception=None, extra_context=None
    ):
        """A failed round trip to the provider gets a page saying why, with an HTTP status
        that says it too: 503 when the provider is down, 400 for a forged or stale `state`
        and any other refusal. A denied consent keeps allauth's "cancelled" page."""
        if error == AuthError.CANCELLED:
            return
        if request.GET.get("error") == "access_denied":
            # A denial that lost its `state` on the way (some providers leave it out): nothing
            # was logged in, and "cancelled" is what happened.
            raise ImmediateHttpResponse(redirect("socialaccount_login_cancelled"))
        if isinstance(exception, requests.RequestException):
            reason, status = "outage", 503
        elif extra_context and "state_id" in extra_context:
            # The callback's `state` matches no login started in this browser session.
            reason, status = "state", 400
        else:
            reason, status = "failed", 400
        logger.warning(
            "Social login with %s failed (%s): %r", provider.id, reason, exception or error
        )
        context = {"auth_error": {"provider": provider, "code": error}, "reason": reason}
        raise ImmediateHttpResponse(
            render(request, "socialaccount/authentication_error.html", context, status=status)
        )

    def authenticate_by_email(self, sociallogin):
        """The account a provider's verified email reaches: only one whose login email it is,
        confirmed. allauth's own look-up also matches any unconfirmed address row, such as the
        pending address of an email change, which anyone may type: that was a way into another
        person's account, or a way back in for a thief after the owner's reset."""
        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(
                sociallogin, address.email
            ):
                continue
            user = selectors.account_with_confirmed_login(address.email)
            if user is not None:
                return user, address.email
        return None

    def populate_user(self, request, sociallogin, data):
        user = super().populate_user(request, sociallogin, data)
        user.email = (user.email or "").strip().lower()
        user.first_name = (user.first_name or "").strip()[:150]
        user.last_name = (user.last_name or "").strip()[:150]
        # Roles never come from a provider, whatever its claims say.
        user.role = Role.CLIENT
        return user

    def save_user(self, request, sociallogin, form=None):
        sociallogin.user.role = Role.CLIENT
        user = super().save_user(request, sociallogin, form=form)
        audit(
            actor=user,
            action="user.created",
            obj=user,
            role=Role.CLIENT,
            provider=sociallogin.account.provider,
        )
        return user
