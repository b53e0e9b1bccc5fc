from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.utils.translation import gettext_lazy as _

from ..models import Post
from ..payloads import DELETED_USERNAME_PREFIX, PSEUDONYM_USERNAME_PREFIX


class AskForm(forms.Form):
    # Length and blank rules are the service's (services.clean_body); the widget only hints them.
    body = forms.CharField(
        label=_("Your question"),
        strip=False,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "maxlength": settings.TOWNHALL_MAX_POST_LENGTH, "required": True}
        ),
    )


class EnterQuestionForm(forms.Form):
    """A question from the room or the phone, entered by a moderator (services.enter_question)."""

    channel = forms.ChoiceField(
        label=_("Asked"),
        choices=[
            (Post.Channel.ROOM.value, Post.Channel.ROOM.label),
            (Post.Channel.PHONE.value, Post.Channel.PHONE.label),
        ],
    )
    asked_by = forms.CharField(label=_("Name (optional)"), max_length=200, required=False)
    body = forms.CharField(
        label=_("The question"),
        strip=False,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "maxlength": settings.TOWNHALL_MAX_POST_LENGTH, "required": True}
        ),
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        strip=False,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 2, "maxlength": settings.TOWNHALL_MAX_POST_LENGTH, "required": True}
        ),
    )
    mark_answered = forms.BooleanField(label=_("Mark the question answered"), required=False)


class ExtendForm(forms.Form):
    minutes = forms.IntegerField(label=_("Minutes"), required=False, min_value=1)
    until = forms.DateTimeField(
        label=_("Or until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class SignupForm(UserCreationForm):
    first_name = forms.CharField(
        label=_("Your name, as others will see it"), max_length=150, required=False
    )

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "first_name")

    def clean_username(self) -> str:
        # None when the name is taken: Django's form has recorded that error already.
        username = super().clean_username()
        # Kept for anonymised accounts (deleted, or retention pseudonyms), which take them later.
        if username and username.lower().startswith(
            (DELETED_USERNAME_PREFIX, PSEUDONYM_USERNAME_PREFIX)
        ):
            raise forms.ValidationError(_("Please choose another username."), code="reserved")
        return username


class DeleteAccountForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: object, has_password: bool = True, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        if not has_password:
            # A verified citizen (MitID) has no password here: they confirm with a tick.
            del self.fields["password"]
            self.fields["confirm"] = forms.BooleanField(label=_("Yes, delete my account"))


class SecondFactorForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class DisplayNameForm(forms.Form):
    """A verified citizen's first sign-in: the name others see (services.identity checks it).
    Empty by default; their first name from the provider only if they tick the box."""

    display_name = forms.CharField(
        label=_("The name others see"),
        required=False,
        help_text=_("Any name you like, up to 40 characters. Your real name is not shown."),
        widget=forms.TextInput(attrs={"maxlength": 40, "autocomplete": "nickname"}),
    )
    use_first_name = forms.BooleanField(required=False)

    def __init__(self, *args: object, first_name: str = "", **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.first_name = first_name
        if first_name:
            self.fields["use_first_name"].label = _("Show my first name, %(name)s, instead") % {
                "name": first_name
            }
        else:
            del self.fields["use_first_name"]

    def chosen_name(self) -> str:
        if self.first_name and self.cleaned_data.get("use_first_name"):
            return self.first_name
        return self.cleaned_data["display_name"]


class EmailNotificationsForm(forms.Form):
    email = forms.EmailField(label=_("Your e-mail address"), required=False)
    opt_in = forms.BooleanField(
        label=_("Tell me by e-mail when my questions are answered, merged or not answered"),
        required=False,
    )
