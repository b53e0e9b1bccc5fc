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
# What comes later does not freeze: thousands of sockets' objects, and the requests in flight
# whenever a collection runs. With Python's thresholds (700, 10, 10) a worker holding 2,500
# sockets ran a full collection every few seconds of a poll storm, each pausing every thread for
# 200-380 ms (while one of them might hold the poll's row lock). Collecting the youngest
# generation after 10,000 new objects instead of 700, and the older ones after 20 of the younger
# collections each, cut a worker's collecting in the storm from 1.6 s to 0.7 s, the ballots'
# p99 from 385-510 ms to 260-300 ms, and the rush's p99 while 2,000 sockets connect from 186 to
# 97 ms (README, "The poll storm"). Garbage in cycles waits a little longer to be freed.
gc.set_threshold(10_000, 20, 20)
