from django.contrib import admin

from .models import Payment


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ["pk", "reservation", "method", "amount", "status", "paid_at", "refunded_at"]
    list_filter = ["method", "status"]
    search_fields = ["provider_reference", "reservation__code"]

    def has_change_permission(self, request, obj=None):
        return False
