from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownhallSessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" belongs to django.contrib.sessions.
    label = "townhall_sessions"
    verbose_name = _("Q&A sessions")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.signals import user_logged_out
        from django.db.models.signals import pre_save

        from .login_sessions import close_sockets_on_logout
        from .services.api_tokens import end_tokens_on_new_password

        pre_save.connect(
            end_tokens_on_new_password,
            sender=get_user_model(),
            dispatch_uid="townhall-end-tokens-on-new-password",
        )
        user_logged_out.connect(
            close_sockets_on_logout, dispatch_uid="townhall-close-sockets-on-logout"
        )
