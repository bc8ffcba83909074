from django.contrib import admin

from .models import SmsMessage, SmsOptOut


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "to", "kind", "status", "segments", "ucs2", "attempts"]
    list_filter = ["status", "kind"]
    search_fields = ["to"]
    raw_id_fields = ["reservation", "notice"]
    exclude = ["dlr_token"]


@admin.register(SmsOptOut)
class SmsOptOutAdmin(admin.ModelAdmin):
    list_display = ["phone", "created_at"]
    search_fields = ["phone"]
