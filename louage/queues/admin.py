from django.contrib import admin

from .models import Queue, QueuedVehicle, StationQueuePolicy


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ["station", "destination", "created_at"]
    list_filter = ["station"]
    raw_id_fields = ["station", "destination"]


@admin.register(QueuedVehicle)
class QueuedVehicleAdmin(admin.ModelAdmin):
    list_display = ["vehicle", "queue", "status", "position", "added_at", "left_at", "seats_sold"]
    list_filter = ["status", "queue__station"]
    raw_id_fields = ["queue", "vehicle", "trip", "added_by"]
    # Turns change only through the queue services (they hold the queue's lock).
    readonly_fields = ["status", "trip", "loading_since", "full_at", "left_at", "seats_sold"]


@admin.register(StationQueuePolicy)
class StationQueuePolicyAdmin(admin.ModelAdmin):
    list_display = ["station", "no_show_fare", "updated_at"]
