from django.contrib import admin

from .models import Notice, Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "kind", "title", "read_at", "emailed_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user"]


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ["created_at", "station", "author", "text"]
