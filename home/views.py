from django.utils import timezone
from django.views.generic import TemplateView

from home import dashboard, duties, workspace
from pilot_admin.scoping import ScopedViewMixin, any_signed_in


class HomeView(ScopedViewMixin, TemplateView):
    """首页: the county dashboard for county roles, the township workspace for township officials,
    and for each administrator duty what needs its attention (never county data)."""

    access = staticmethod(any_signed_in)

    def duty_home(self):
        user = self.request.user
        return duties.DUTY_HOMES.get(user.role) if user.is_duty_admin else None

    def get_template_names(self):
        if (duty := self.duty_home()) is not None:
            return [duty[0]]
        if self.request.user.township_id:
            return ["home/workspace.html"]
        return ["home/dashboard.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if (duty := self.duty_home()) is not None:
            context.update(duty[1](user=self.request.user, now=timezone.now()))
        elif self.request.user.township_id:
            context.update(workspace.township_workspace(request=self.request))
        else:
            context.update(dashboard.county_dashboard(request=self.request))
        return context
