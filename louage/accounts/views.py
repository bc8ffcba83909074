from allauth.account import views as allauth_views
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_not_required, login_required
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.net import redirect_back, safe_next
from louage.core.pagination import paginate_request

from . import selectors, services
from .forms import (
    AvatarForm,
    DeleteAccountForm,
    EmailChangeForm,
    PhoneForm,
    ProfileForm,
    RoleForm,
    UserCreateForm,
    UserFilterForm,
)
from .models import Role


@login_required
def profile(request):
    return render(request, "accounts/profile.html", {"profile_user": request.user})


@login_required
def profile_edit(request):
    user = request.user
    initial = {
        f: getattr(user, f)
        for f in ("first_name", "last_name", "phone", "language", "sms_reminders")
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(user=user, by=user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Votre profil a été mis à jour."))
            response = redirect("accounts:profile")
            # The interface follows the language chosen in the profile from the next page on.
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=365 * 24 * 3600,
                samesite="Lax",
            )
            return response
    return render(request, "accounts/profile_edit.html", {"form": form})


@login_required
def email_change(request):
    """Ask for a new login email: the password, then a link to confirm at the new address."""
    form = EmailChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_email_change(
                user=request.user, by=request.user, request=request,
                email=form.cleaned_data["email"], password=form.cleaned_data["password"],
            )  # fmt: skip
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, email_change_sent_message(request.user.pending_email))
            return redirect("accounts:profile")
    return render(request, "accounts/email_change.html", {"form": form})


def email_change_sent_message(email):
    return _(
        "Un lien de confirmation a été envoyé à %(email)s. Votre adresse actuelle reste "
        "votre identifiant jusqu'à ce que vous cliquiez sur ce lien."
    ) % {"email": email}


@login_required
@require_POST
def email_change_cancel(request):
    services.cancel_email_change(user=request.user)
    messages.success(request, _("La demande de changement d'adresse est annulée."))
    return redirect("accounts:profile")


class ConfirmEmailView(allauth_views.ConfirmEmailView):
    """allauth's confirmation, all or nothing: if the address went to another account since
    the link was sent, nothing changes and the visitor is told."""

    def post(self, *args, **kwargs):
        try:
            with transaction.atomic():
                return super().post(*args, **kwargs)
        except IntegrityError:
            messages.error(
                self.request,
                _(
                    "Cette adresse est désormais celle d'un autre compte : elle n'a pas été ajoutée."
                ),
            )
            return redirect("home")


@login_not_required
def email_undo(request, token):
    """From the email sent to the previous address: take the account back."""
    if request.method == "POST":
        try:
            services.undo_email_change(token=token)
        except DomainError as exc:
            messages.error(request, exc.message)
            return render(request, "accounts/email_undo.html", {"failed": True}, status=400)
        logout(request)
        messages.success(
            request,
            _(
                "Votre adresse est rétablie et le mot de passe du compte a été effacé : "
                "choisissez-en un nouveau avec le lien qui va vous être envoyé."
            ),
        )
        return redirect("account_reset_password")
    return render(request, "accounts/email_undo.html", {"failed": False})


@login_required
def phone(request):
    """Add or change the phone number, then go back where the traveller was (booking)."""
    form = PhoneForm(request.POST or None, initial={"phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(
                user=request.user, by=request.user, phone=form.cleaned_data["phone"]
            )
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Votre numéro de téléphone est enregistré."))
            return redirect_back(request, "accounts:profile")
    return render(request, "accounts/phone.html", {"form": form, "next": safe_next(request)})


@login_required
def avatar(request):
    form = AvatarForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_avatar(user=request.user, uploaded=form.cleaned_data["avatar"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Votre photo a été mise à jour."))
            return redirect("accounts:profile")
    return render(request, "accounts/avatar.html", {"form": form})


@login_required
def delete_account(request):
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.delete_account(user=request.user, password=form.cleaned_data["password"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            logout(request)
            messages.success(request, _("Votre compte a été supprimé."))
            return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})


@role_required(Role.ADMIN)
def user_list(request):
    filters = UserFilterForm(request.GET or None)
    query, role = "", None
    if filters.is_valid():
        query, role = filters.cleaned_data["q"], filters.cleaned_data["role"] or None
    page, querystring = paginate_request(request, selectors.search_users(query=query, role=role))
    return render(
        request,
        "accounts/user_list.html",
        {"filters": filters, "page": page, "querystring": querystring, "role_form": RoleForm()},
    )


@role_required(Role.ADMIN)
def user_create(request):
    form = UserCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.create_user(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Le compte %(email)s a été créé.") % {"email": user.email})
            return redirect("accounts:user_list")
    return render(request, "accounts/user_form.html", {"form": form})


@role_required(Role.ADMIN)
@require_POST
def user_role(request, user_id):
    user = get_object_or_404(selectors.active_users(), pk=user_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Rôle inconnu."))
    else:
        try:
            services.change_role(user=user, role=form.cleaned_data["role"], by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Rôle de %(user)s modifié.") % {"user": user})
    return redirect_back(request, "accounts:user_list")


@role_required(Role.ADMIN)
def user_delete(request, user_id):
    user = get_object_or_404(selectors.active_users(), pk=user_id)
    if request.method == "POST":
        try:
            services.delete_user(user=user, by=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Le compte a été supprimé."))
        return redirect("accounts:user_list")
    return render(request, "accounts/user_delete.html", {"target": user})
