"""ASGI entry point: HTTP goes to Django (whole, in a worker thread: townhall/http.py),
WebSockets to the session consumer."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "townhall.settings")
# Django must be set up before the consumer (and its models) is imported.
django_wsgi_app = get_wsgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.urls import get_resolver  # noqa: E402

from sessions.live.routing import websocket_urlpatterns  # noqa: E402
from townhall.http import ThreadedWSGI  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": ThreadedWSGI(
            django_wsgi_app,
            threads=settings.TOWNHALL_HTTP_THREADS,
            max_wait=settings.TOWNHALL_HTTP_MAX_WAIT_SECONDS,
        ),
        # A socket from a foreign Origin is refused before it reaches the consumer.
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)

# What a worker has loaded by now (Django, the apps, the URLs) lives as long as the worker, and
# every full garbage collection walked all of it: a pause of 90-100 ms of every thread, about
# once a second in a rush. Frozen, it is out of the collector's sight (README, "The rush at the
# start").
get_resolver().url_patterns  # noqa: B018 (the URLconf is loaded on first use otherwise)
gc.collect()
gc.freeze()
