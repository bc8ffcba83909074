from django.urls import path

from . import views

app_name = "queues"

urlpatterns = [
    path("prochain-louage/<int:queue_id>/", views.queue_detail, name="detail"),
    path("prochain-louage/<int:queue_id>/reserver/", views.reserve, name="reserve"),
    path("guichet/", views.desk, name="desk"),
    path("guichet/files/ouvrir/", views.open_queue, name="open"),
    path("guichet/regle-absents/", views.set_policy, name="policy"),
    path("guichet/files/<int:queue_id>/", views.desk_queue, name="desk_queue"),
    path("guichet/files/<int:queue_id>/<slug:action>/", views.queue_action, name="action"),
    path(
        "guichet/files/<int:queue_id>/vehicules/<int:vehicle_id>/<slug:action>/",
        views.vehicle_action,
        name="vehicle_action",
    ),
    path(
        "guichet/files/<int:queue_id>/embarquer/<int:reservation_id>/",
        views.board,
        name="board",
    ),
]
