"""The API's JSON, encoded by orjson: the same answer as DRF's JSONRenderer (compact, UTF-8, U+2028
and U+2029 escaped), several times faster. A statistics answer such as stats/standards/ (82 KB)
took the standard library's encoder about 1 ms of CPU, a fifth of the floor's whole request.

What orjson does not write itself goes through DRF's own encoder (JSONEncoder.default): dates and
times (passed through, so they read exactly as before: "…Z" for UTC), decimals, lazy translations.
Anything orjson refuses (an integer beyond 64 bits) is encoded by DRF's renderer instead. Numbers
differ from the standard library's only in how very large or very small floats are written
(1e16 as 1e16 rather than 1e+16), the same number to every JSON reader; no figure of ours is one.
tests/pilot_admin/test_api_renderer.py compares the two renderers."""

import orjson
from rest_framework import renderers
from rest_framework.utils.encoders import JSONEncoder

_DRF_ENCODER = JSONEncoder()
OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _default(value):
    return _DRF_ENCODER.default(value)


class JSONRenderer(renderers.JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        indented = self.get_indent(accepted_media_type, renderer_context or {}) is not None
        if indented or self.ensure_ascii or not self.compact:
            # Pretty-printed or ASCII-only answers, which the API does not give by default.
            return super().render(data, accepted_media_type, renderer_context)
        try:
            encoded = orjson.dumps(data, default=_default, option=OPTIONS)
        except orjson.JSONEncodeError:
            return super().render(data, accepted_media_type, renderer_context)
        # As DRF: the two line separators escaped, so the JSON is also valid JavaScript.
        return encoded.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
