"""What OPTIONS tells about an API endpoint and which formats it answers in: nothing of how the
code inside is built. (Loaded by DRF's settings while rest_framework.views is being imported:
nothing here may import that module, nor pilot_admin.api.exceptions, which does.)"""

from django.urls import reverse
from rest_framework import exceptions
from rest_framework.metadata import BaseMetadata
from rest_framework.negotiation import DefaultContentNegotiation

FORMAT_NOT_FOUND = "不支持所请求的格式（format 参数）：本接口只返回 JSON。"


class Metadata(BaseMetadata):
    """OPTIONS: the formats an endpoint answers in and accepts, and where it is described. Not
    DRF's default, which sends the view's class name and docstring (notes for developers)."""

    def determine_metadata(self, request, view):
        return {
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": reverse("api_schema"),
        }


class ContentNegotiation(DefaultContentNegotiation):
    """A `?format=` no renderer offers (`?format=api` when the browsable API is off) is a 404
    saying so, in Chinese."""

    def filter_renderers(self, renderers, format):
        renderers = [renderer for renderer in renderers if renderer.format == format]
        if not renderers:
            raise exceptions.NotFound(FORMAT_NOT_FOUND)
        return renderers
