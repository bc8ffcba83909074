from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.pagination import paginate_request

from . import selectors, services
from .forms import (
    AvatarForm,
    DeleteAccountForm,
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
        f: getattr(user, f) for f in ("first_name", "last_name", "email", "phone", "language")
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
def phone(request):
    """Add or change the phone number, then go back where the traveller was (booking)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = ""
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
            return redirect(target or "accounts:profile")
    return render(request, "accounts/phone.html", {"form": form, "next": target})


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
    return redirect(request.POST.get("next") or "accounts:user_list")


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
