from django.urls import path

from home import views

# No app_name: the home page keeps its project-wide name, `home`.
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
]
