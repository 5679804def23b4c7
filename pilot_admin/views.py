from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from pilot_admin.scoping import ScopedViewMixin, any_signed_in, public
from villages import selectors as village_selectors


@method_decorator(public, name="dispatch")
class LoginView(auth_views.LoginView):
    scope_declared = "public"
    template_name = "registration/login.html"
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    scope_declared = "own session"


@public
def health(request):
    """For the load balancer and monitoring: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


class HomeView(ScopedViewMixin, TemplateView):
    """首页: where the user's county or township stands on the newest program this year."""

    access = staticmethod(any_signed_in)
    template_name = "pilot_admin/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        program = village_selectors.program_for_code(user=user, code=None)
        if program is not None:
            year = min(max(timezone.localdate().year, program.start_year), program.end_year)
            context["program"] = program
            context["report"] = village_selectors.pilot_quota_stats(user=user, program=program, year=year)
        return context
