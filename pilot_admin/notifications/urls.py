from django.urls import path

from pilot_admin.notifications import views

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notification_list"),
    path("delivery/", views.NotificationDeliveryView.as_view(), name="notification_delivery"),
    path("robots/", views.GroupRobotListView.as_view(), name="group_robot_list"),
    path("robots/<int:pk>/", views.GroupRobotEditView.as_view(), name="group_robot_edit"),
    path("read-all/", views.NotificationReadAllView.as_view(), name="notification_read_all"),
    path("<int:pk>/", views.NotificationOpenView.as_view(), name="notification_open"),
    path("<int:pk>/read/", views.NotificationReadView.as_view(), name="notification_read"),
]
