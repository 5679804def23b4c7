"""What the API accepts as input, written once for every endpoint.

Query strings (statistics endpoints): the rules of the shared FilterSets (pilot_admin.filters):
canonical integers, one value per parameter, no empty values.
"""

from drf_spectacular.drainage import set_override
from rest_framework import serializers

from pilot_admin.filters import INTEGER_MESSAGE, MONTH_MESSAGE
from pilot_admin.params import EMPTY_MESSAGE, MONTH_PATTERN, canonical_int, month_param, refused_parameters

# --- query strings ------------------------------------------------------------------------------


class QueryIntegerField(serializers.IntegerField):
    """An integer query parameter, written canonically."""

    default_error_messages = {"invalid": INTEGER_MESSAGE}

    def to_internal_value(self, data):
        number = canonical_int(data)
        if number is None:
            self.fail("invalid")
        return number


class QueryMonthField(serializers.CharField):
    """YYYY-MM → the first day of that month."""

    default_error_messages = {"invalid": MONTH_MESSAGE}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        set_override(self, "field", {"type": "string", "pattern": MONTH_PATTERN})

    def to_internal_value(self, data):
        month = month_param(data) if isinstance(data, str) else None
        if month is None:
            self.fail("invalid")
        return month


# Base of the query-string serializers: a parameter given twice, or empty, is refused on its own
# name, whatever the field would make of it.
class QuerySerializer(serializers.Serializer):
    def to_internal_value(self, data):
        refused = refused_parameters(data, self.fields, empty_is_error=True)
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            errors = dict(error.detail)
        else:
            errors = {}
        for name, message in refused.items():
            # An empty required parameter is a missing one, and told as such.
            if message == EMPTY_MESSAGE and self.fields[name].required:
                message = self.fields[name].error_messages["required"]
            errors[name] = [message]
        if errors:
            raise serializers.ValidationError(errors)
        return value
