from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.utils.translation import gettext_lazy as _

from staff.access import Scope


class StaffLoginForm(AuthenticationForm):
    """The workspace's log-in: reception and therapists; a login with no role is refused."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "no_role": _("This login has no place at the front desk. Ask the studio's owner."),
    }

    def confirm_login_allowed(self, user: User) -> None:
        super().confirm_login_allowed(user)
        if Scope.of(user) is None:
            raise forms.ValidationError(self.error_messages["no_role"], code="no_role")
