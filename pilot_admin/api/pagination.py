"""Page-number pagination of every API list, with `page` and `page_size` read as strictly as the
filters: canonical integers in range, one value each, never empty; anything else is a 400 naming
the parameter, not a quiet fall-back to the first page or the default size."""

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination as BasePageNumberPagination

from pilot_admin.filters import INTEGER_MESSAGE
from pilot_admin.params import canonical_int, refused_parameters

PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


class PageNumberPagination(BasePageNumberPagination):
    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # "last" is not a page number: the schema says integer.
    last_page_strings = ()
    invalid_page_message = "第 {page_number} 页不存在。"
    page_query_description = "页码，从 1 开始；超出末页为 404。"
    page_size_query_description = f"每页条数，1–{MAX_PAGE_SIZE}，默认 {PAGE_SIZE}。"

    def _read(self, request, name: str, default: int, maximum: int | None) -> int:
        refused = refused_parameters(request.query_params, [name], empty_is_error=True)
        if refused:
            raise ValidationError({name: [refused[name]]})
        raw = request.query_params.get(name)
        if raw is None:
            return default
        number = canonical_int(raw)
        if number is None:
            raise ValidationError({name: [INTEGER_MESSAGE]})
        if number < 1 or (maximum is not None and number > maximum):
            bounds = f"1 到 {maximum} 之间" if maximum is not None else "不小于 1"
            raise ValidationError({name: [f"应在 {bounds}。"]})
        return number

    def get_page_size(self, request):
        return self._read(request, self.page_size_query_param, self.page_size, self.max_page_size)

    def get_page_number(self, request, paginator):
        return self._read(request, self.page_query_param, 1, None)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        bounds = {
            self.page_query_param: {"minimum": 1},
            self.page_size_query_param: {"minimum": 1, "maximum": self.max_page_size, "default": self.page_size},
        }
        for parameter in parameters:
            parameter["schema"].update(bounds.get(parameter["name"], {}))
        return parameters
