"""The `Idempotency-Key` header on the API's writes: a retried write gets its first answer.

The rule itself (stored answers, races, lifetime) is services.idempotency's; this only reads the
header, renders the answer once so that a replay is byte-for-byte the first body, and says
`Idempotent-Replayed: true` on a replay. A view wraps its service call:
`return idempotent(request, body=fields, perform=lambda: Response(..., status=201))`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from ..services.idempotency import perform_once

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"


def idempotent(request: Request, *, body: object, perform: Callable[[], Response]) -> Response:
    """Answer with `perform()`, or, for a key this user sent before, with its first answer.

    `body` is what makes two requests the same (the validated input): the same key with another
    body, or on another path, is refused with 422.
    """

    def run() -> tuple[int, Any]:
        response = perform()
        return response.status_code, json.loads(JSONRenderer().render(response.data))

    outcome = perform_once(
        user=request.user,
        key=request.headers.get(HEADER),
        action=f"{request.method} {request.path}",
        request_body=body,
        perform=run,
    )
    response = Response(outcome.body, status=outcome.status)
    if outcome.replayed:
        response[REPLAYED_HEADER] = "true"
    return response
