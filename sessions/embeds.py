"""The session widget's iframe and who may frame it: shared by the staff's snippet (pages) and
the oEmbed answer (API), so both hand out the same markup."""

from __future__ import annotations

from django.utils.html import escape
from django.utils.translation import gettext as _

from .models import Municipality, Session

# The iframe's size in the snippet and in oEmbed answers (CSS pixels); the widget adapts to it.
WIDGET_WIDTH = 480
WIDGET_HEIGHT = 600
PROVIDER_NAME = "Townhall"


def widget_title(session: Session) -> str:
    """The iframe's accessible name."""
    return _("Questions to %(title)s, live") % {"title": session.title}


def iframe_html(
    session: Session, *, src: str, width: int = WIDGET_WIDTH, height: int = WIDGET_HEIGHT
) -> str:
    """The iframe that shows the widget at `src` (its absolute address)."""
    return (
        f'<iframe src="{escape(src)}" title="{escape(widget_title(session))}" '
        f'width="{int(width)}" height="{int(height)}" style="border:0;max-width:100%" '
        'loading="lazy"></iframe>'
    )


def frame_ancestors(municipality: Municipality) -> list[str]:
    """The CSP frame-ancestors of the municipality's widgets: its embed origins, else nobody."""
    return list(municipality.embed_origins) or ["'none'"]
