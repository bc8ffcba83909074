from allauth.account.adapter import DefaultAccountAdapter
from django.urls import reverse

from .models import Role

EMAIL_CHANGED_TEMPLATE = "account/email/email_changed"


class AccountAdapter(DefaultAccountAdapter):
    def get_login_redirect_url(self, request):
        # Where a login without an explicit `next` lands: back to the seats a visitor chose
        # before logging in, else a chief's day at the station, else the home page.
        if isinstance(request.session.get("booking_intent"), dict):
            return reverse("booking:resume")
        if getattr(request.user, "role", None) == Role.CHIEF:
            return reverse("booking:today")
        return super().get_login_redirect_url(request)

    def save_user(self, request, user, form, commit=True):
        # Web sign-up always creates a client: roles are given by administrators only.
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.CLIENT
        if commit:
            user.save()
        return user

    def send_notification_mail(self, template_prefix, user, context=None, email=None):
        # The previous address of a changed login gets a way to take the account back.
        if template_prefix == EMAIL_CHANGED_TEMPLATE and context:
            from .services import email_change_undo_token

            token = email_change_undo_token(
                user=user, old_email=context["from_email"], new_email=context["to_email"]
            )
            path = reverse("accounts:email_undo", args=[token])
            context = {**context, "undo_url": self.request.build_absolute_uri(path)}
        return super().send_notification_mail(template_prefix, user, context, email)
