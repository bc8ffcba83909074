from django.contrib import admin

from .models import Reservation


@admin.register(Reservation)
class ReservationAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "trip",
        "client",
        "passenger_name",
        "seats",
        "total_price",
        "status",
        "created_at",
    ]
    list_filter = ["status"]
    search_fields = ["code", "client__email", "passenger_name"]
    raw_id_fields = ["trip", "client", "cancelled_by", "sold_by"]

    def has_change_permission(self, request, obj=None):
        return False  # states change through the services only (seats, payments, audit)
