"""A URLconf with one view that forgot to declare its scope, for the deny-by-default test."""

from django.http import HttpResponse
from django.urls import path
from django.views import View

from pilot_admin import urls as project_urls
from pilot_admin.scoping import ScopedViewMixin, any_signed_in


def forgotten(request):
    return HttpResponse("秘密")


class Declared(ScopedViewMixin, View):
    access = staticmethod(any_signed_in)

    def get(self, request):
        return HttpResponse("可以看")


class DeclaredWithoutAccess(ScopedViewMixin, View):
    def get(self, request):
        return HttpResponse("秘密")


urlpatterns = [
    path("forgotten/", forgotten),
    path("declared/", Declared.as_view()),
    path("no-access/", DeclaredWithoutAccess.as_view()),
    # The real routes too: the error pages' layout links to them.
    *project_urls.urlpatterns,
]
