from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TownhallSessionsConfig(AppConfig):
    name = "sessions"
    # "sessions" belongs to django.contrib.sessions.
    label = "townhall_sessions"
    verbose_name = _("Q&A sessions")
    default_auto_field = "django.db.models.BigAutoField"
