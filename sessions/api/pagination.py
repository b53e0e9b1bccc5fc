"""Page-number pagination for every list: `?page=N&page_size=M`, with a bounded page size.

A list answers `{"count", "next", "previous", "results"}`. A page size out of 1..MAX_PAGE_SIZE,
or a page that is not a positive integer, is refused with 400; a page past the last is 404.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.paginator import EmptyPage, Paginator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100


class PageQuery(serializers.Serializer):
    """The paging part of a list's query string; filters extend it."""

    page = serializers.IntegerField(
        min_value=1, max_value=2**31, required=False, default=1, help_text="Page number, from 1."
    )
    page_size = serializers.IntegerField(
        min_value=1,
        max_value=MAX_PAGE_SIZE,
        required=False,
        default=DEFAULT_PAGE_SIZE,
        help_text=f"Items per page, 1 to {MAX_PAGE_SIZE}.",
    )


def paginated(item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The schema of a page of `item`s (documentation only: pages are built by `page_of`)."""
    return type(
        f"Paginated{item.__name__.removesuffix('Serializer').removesuffix('Output')}List",
        (serializers.Serializer,),
        {
            "count": serializers.IntegerField(help_text="Items in all pages."),
            "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
            "previous": serializers.URLField(allow_null=True, help_text="The previous page."),
            "results": item(many=True),
        },
    )


def page_of(
    request: Request,
    items: Any,
    query: dict[str, Any],
    render: Callable[[Iterable[Any]], list[Any]],
) -> dict[str, Any]:
    """One page of `items` (a queryset, counted in the database) as the list response body."""
    paginator = Paginator(items, query["page_size"])
    try:
        page = paginator.page(query["page"])
    except EmptyPage:
        raise NotFound(
            _("There is no page %(page)d; the last is %(last)d.")
            % {"page": query["page"], "last": paginator.num_pages}
        ) from None
    url = request.build_absolute_uri()
    previous = None
    if page.has_previous():
        number = page.previous_page_number()
        previous = (
            remove_query_param(url, "page")
            if number == 1
            else replace_query_param(url, "page", number)
        )
    return {
        "count": paginator.count,
        "next": replace_query_param(url, "page", page.next_page_number())
        if page.has_next()
        else None,
        "previous": previous,
        "results": render(page.object_list),
    }
