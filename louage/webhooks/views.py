"""Admin pages of the partner webhooks: list, create (the secret shown once), edit, switch
off, delete, and each endpoint's delivery log with retry. The API's services do the work."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from louage.accounts.models import Role
from louage.core.decorators import role_required
from louage.core.errors import DomainError
from louage.core.forms import apply_domain_error
from louage.core.pagination import paginate_request

from . import services
from .forms import EndpointForm
from .models import Delivery, Endpoint


@role_required(Role.ADMIN)
def endpoint_list(request):
    endpoints = Endpoint.objects.order_by("pk")
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@role_required(Role.ADMIN)
def endpoint_create(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint, secret = services.create_endpoint(
                by=request.user, url=data["url"], events=data["events"],
                description=data["description"],
            )  # fmt: skip
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            # The secret is shown on this answer only; it is never readable again.
            return render(
                request, "webhooks/endpoint_created.html", {"endpoint": endpoint, "secret": secret}
            )
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@role_required(Role.ADMIN)
def endpoint_edit(request, endpoint_id):
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    initial = {"url": endpoint.url, "events": endpoint.events,
               "description": endpoint.description, "active": endpoint.active}  # fmt: skip
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_endpoint(by=request.user, endpoint=endpoint, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Webhook enregistré."))
            return redirect("webhooks:list")
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@role_required(Role.ADMIN)
@require_POST
def endpoint_delete(request, endpoint_id):
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    services.delete_endpoint(by=request.user, endpoint=endpoint)
    messages.success(request, _("Webhook supprimé : plus rien ne part vers cette adresse."))
    return redirect("webhooks:list")


@role_required(Role.ADMIN)
def delivery_log(request, endpoint_id):
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    page, querystring = paginate_request(
        request,
        Delivery.objects.filter(endpoint=endpoint).select_related("event").order_by("-pk"),
        per_page=50,
    )
    return render(
        request,
        "webhooks/delivery_log.html",
        {"endpoint": endpoint, "page": page, "querystring": querystring},
    )


@role_required(Role.ADMIN)
@require_POST
def delivery_retry(request, endpoint_id, delivery_id):
    delivery = get_object_or_404(Delivery, pk=delivery_id, endpoint_id=endpoint_id)
    try:
        services.retry_delivery(by=request.user, delivery=delivery)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Livraison relancée : elle part dans un instant."))
    return redirect("webhooks:deliveries", endpoint_id)
