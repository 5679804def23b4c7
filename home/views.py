from django.views.generic import TemplateView

from home import dashboard, workspace
from pilot_admin.scoping import ScopedViewMixin, any_signed_in


class HomeView(ScopedViewMixin, TemplateView):
    """首页: the county dashboard for county roles, the township workspace for township officials."""

    access = staticmethod(any_signed_in)

    def get_template_names(self):
        if self.request.user.township_id:
            return ["home/workspace.html"]
        return ["home/dashboard.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.user.township_id:
            context.update(workspace.township_workspace(request=self.request))
        else:
            context.update(dashboard.county_dashboard(request=self.request))
        return context
