from django.contrib.auth import views as auth_views
from django.shortcuts import redirect
from django.templatetags.static import static
from django.utils.decorators import method_decorator

from pilot_admin.accounts.forms import LoginForm
from pilot_admin.scoping import public


@method_decorator(public, name="dispatch")
class LoginView(auth_views.LoginView):
    scope_declared = "public"
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Set by IdleTimeoutMiddleware when it signed this session out.
        idle = self.request.session.pop("signed_out_idle", False)
        return super().get_context_data(signed_out_idle=idle, **kwargs)


class LogoutView(auth_views.LogoutView):
    scope_declared = "own session"


@public
def favicon(request):
    """Browsers ask for /favicon.ico on every page that names no icon (the admin, the API
    docs): point them at the static file, whose hashed name the static storage knows."""
    return redirect(static("favicon.ico"))
