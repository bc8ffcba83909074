from allauth.account.adapter import DefaultAccountAdapter

from .models import Role


class AccountAdapter(DefaultAccountAdapter):
    def save_user(self, request, user, form, commit=True):
        # Web sign-up always creates a client: roles are given by administrators only.
        user = super().save_user(request, user, form, commit=False)
        user.role = Role.CLIENT
        if commit:
            user.save()
        return user
