from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("gestion/webhooks/", views.endpoint_list, name="list"),
    path("gestion/webhooks/ajouter/", views.endpoint_create, name="create"),
    path("gestion/webhooks/<int:endpoint_id>/modifier/", views.endpoint_edit, name="edit"),
    path("gestion/webhooks/<int:endpoint_id>/supprimer/", views.endpoint_delete, name="delete"),
    path("gestion/webhooks/<int:endpoint_id>/livraisons/", views.delivery_log, name="deliveries"),
    path(
        "gestion/webhooks/<int:endpoint_id>/livraisons/<int:delivery_id>/relancer/",
        views.delivery_retry,
        name="retry",
    ),
]
