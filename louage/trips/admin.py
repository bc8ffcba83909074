from django.contrib import admin

from .models import Fare, Trip


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = [
        "departure",
        "origin",
        "destination",
        "vehicle",
        "price",
        "seats_available",
        "seats_total",
        "status",
    ]
    list_filter = ["status", "origin"]
    date_hierarchy = "departure"
    raw_id_fields = ["origin", "destination", "vehicle"]
    # Seats move only through the booking services.
    readonly_fields = ["seats_available"]


@admin.register(Fare)
class FareAdmin(admin.ModelAdmin):
    list_display = ["origin_city", "destination_city", "price", "updated_at"]
    list_filter = ["origin_city"]
    search_fields = ["origin_city", "destination_city"]
