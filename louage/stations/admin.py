from django.contrib import admin

from .models import Station, Vehicle


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "phone", "chief", "is_active"]
    list_filter = ["city", "is_active"]
    search_fields = ["name", "city"]
    raw_id_fields = ["chief"]


@admin.register(Vehicle)
class VehicleAdmin(admin.ModelAdmin):
    list_display = ["plate", "owner_name", "seats", "station", "active"]
    list_filter = ["active", "station"]
    search_fields = ["plate", "owner_name"]
