from django.urls import path

from pilot_admin.notifications import views as notification_views

urlpatterns = [
    path("", notification_views.NotificationListView.as_view(), name="notification_list"),
    path("read-all/", notification_views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("<int:pk>/", notification_views.NotificationOpenView.as_view(), name="notification_open"),
    path("<int:pk>/read/", notification_views.NotificationReadView.as_view(), name="notification_read"),
]
