from django.core.paginator import Paginator


def paginate_request(request, queryset, per_page=20):
    """A page of `queryset` for web lists; bad or out-of-range `?page=` gives the nearest page."""
    paginator = Paginator(queryset, per_page)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()
