from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("compte/", views.profile, name="profile"),
    path("compte/modifier/", views.profile_edit, name="profile_edit"),
    path("compte/email/", views.email_change, name="email_change"),
    path("compte/email/annuler/", views.email_change_cancel, name="email_change_cancel"),
    path("compte/email/retablir/<str:token>/", views.email_undo, name="email_undo"),
    path("compte/photo/", views.avatar, name="avatar"),
    path("compte/telephone/", views.phone, name="phone"),
    path("compte/supprimer/", views.delete_account, name="delete"),
    path("gestion/utilisateurs/", views.user_list, name="user_list"),
    path("gestion/utilisateurs/ajouter/", views.user_create, name="user_create"),
    path("gestion/utilisateurs/<int:user_id>/role/", views.user_role, name="user_role"),
    path("gestion/utilisateurs/<int:user_id>/supprimer/", views.user_delete, name="user_delete"),
]
