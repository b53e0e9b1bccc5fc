"""GET /api/oembed/?url=…&format=json: oEmbed (oembed.com) for a session's address, so a CMS
embeds the session's widget from its URL alone. The session page names this endpoint in a
discovery <link rel="alternate" type="application/json+oembed">.

Only this site's session addresses (/sessions/<id>/ and the widget's /embed/sessions/<id>/)
are answered; another site's URL or an unknown session is a 404, format=xml a 501, as the
oEmbed spec asks.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import embeds, selectors
from ..models import Session
from .filters import read_query
from .schema import BAD_REQUEST, NOT_FOUND, READ_ERRORS, RefusalOutput
from .serializers import MAX_ID, StrictCharField
from .views import StaffWritesOnly

# The page views whose address stands for a session (pages/urls.py names them).
SESSION_VIEWS = ("session", "embed-session")
MAX_SIZE = 4000


class OEmbedQuery(serializers.Serializer):
    url = StrictCharField(max_length=2000, help_text="A session's address on this site.")
    format = serializers.ChoiceField(
        choices=[("json", "json"), ("xml", "xml")],
        required=False,
        default="json",
        help_text="json (xml is not implemented: 501).",
    )
    maxwidth = serializers.IntegerField(min_value=1, max_value=MAX_SIZE, required=False)
    maxheight = serializers.IntegerField(min_value=1, max_value=MAX_SIZE, required=False)


class OEmbedOutput(serializers.Serializer):
    type = serializers.CharField(help_text='Always "rich".')
    version = serializers.CharField(help_text='"1.0"')
    title = serializers.CharField()
    author_name = serializers.CharField(help_text="The municipality.")
    provider_name = serializers.CharField()
    provider_url = serializers.CharField()
    html = serializers.CharField(help_text="The widget's iframe.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    cache_age = serializers.IntegerField(help_text="Seconds a consumer may keep this answer.")


class NotImplementedFormat(exceptions.APIException):
    status_code = status.HTTP_501_NOT_IMPLEMENTED
    default_detail = _("Only format=json is offered.")
    default_code = "format_not_implemented"


class OEmbedView(APIView):
    permission_classes = [StaffWritesOnly]  # a read: anyone

    def perform_content_negotiation(self, request: Request, force: bool = False) -> tuple:
        # `format` is oEmbed's parameter here, not DRF's renderer override (which would
        # answer format=xml with a 404): the answer is always JSON, a refusal included.
        return (JSONRenderer(), JSONRenderer.media_type)

    @extend_schema(
        operation_id="oembed",
        parameters=[OEmbedQuery],
        responses={
            200: OEmbedOutput,
            400: BAD_REQUEST,
            404: NOT_FOUND,
            501: OpenApiResponse(RefusalOutput, description="format=xml: not implemented."),
            **READ_ERRORS,
        },
        description="oEmbed type rich for a session's address on this site: the widget's "
        "iframe, its size (within maxwidth and maxheight) and the session's title.",
        tags=["sessions"],
    )
    def get(self, request: Request) -> Response:
        query = read_query(OEmbedQuery, request)
        if query["format"] != "json":
            raise NotImplementedFormat()
        session = self._session_of(request, query["url"])
        width = min(embeds.WIDGET_WIDTH, query.get("maxwidth", MAX_SIZE))
        height = min(embeds.WIDGET_HEIGHT, query.get("maxheight", MAX_SIZE))
        src = request.build_absolute_uri(reverse("embed-session", args=[session.pk]))
        return Response(
            {
                "type": "rich",
                "version": "1.0",
                "title": session.title,
                "author_name": session.municipality.name,
                "provider_name": embeds.PROVIDER_NAME,
                "provider_url": request.build_absolute_uri("/"),
                "html": embeds.iframe_html(session, src=src, width=width, height=height),
                "width": width,
                "height": height,
                "cache_age": 3600,
            }
        )

    def _session_of(self, request: Request, url: str) -> Session:
        """The session the URL names, if it is one of this site's session addresses."""
        not_found = exceptions.NotFound(_("That address is not a session on this site."))
        try:
            parts = urlsplit(url.strip())
        except ValueError:  # e.g. "http://[::1": not an address at all
            raise not_found from None
        if parts.scheme not in ("http", "https") or not self._is_this_site(request, parts.netloc):
            raise not_found
        try:
            match = resolve(parts.path)
        except (Resolver404, UnicodeError):
            raise not_found from None
        session_id = match.kwargs.get("session_id")
        if match.url_name not in SESSION_VIEWS or not session_id or session_id > MAX_ID:
            raise not_found
        session = selectors.session_or_none(session_id)
        if session is None:
            raise not_found
        return session

    @staticmethod
    def _is_this_site(request: Request, netloc: str) -> bool:
        host = netloc.lower()
        if host == request.get_host().lower():
            return True
        # Another name this site answers to (ALLOWED_HOSTS, without the wildcards).
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name in {h.lower() for h in settings.ALLOWED_HOSTS if h not in ("*",)}
