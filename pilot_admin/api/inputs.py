"""What the API accepts as input, written once for every endpoint.

Bodies (JSON): each field takes only its own JSON type, as the OpenAPI schema states it. DRF's
fields are lenient by design (a CharField stores the number 0.0 as "0.0", an IntegerField takes
"12" and 12.0, a DecimalField "1e5", a BooleanField "yes" and 1); ours refuse all of these, so
what a client sends is what is stored. Decimals are strings in plain notation ("12345.50", as
the API writes them); text may not begin or end with white space (nothing is trimmed away
silently) nor hold NUL characters.

Query strings (statistics endpoints): the rules of the shared FilterSets (pilot_admin.filters):
canonical integers, one value per parameter, no empty values.
"""

import re

from django.core.validators import RegexValidator
from drf_spectacular.drainage import set_override
from rest_framework import serializers

from pilot_admin.filters import ID_MAX, INTEGER_MESSAGE, MONTH_MESSAGE
from pilot_admin.params import EMPTY_MESSAGE, MONTH_PATTERN, canonical_int, month_param, refused_parameters

# Every character str.strip() removes (str.isspace()), spelled out: the schema's regex engines
# disagree on what \s covers, and Python's strip is what the rule means.
_SPACE = r"\t\n\u000b\f\r\u001c-\u001f \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
# At least one character; no NUL; no white space first or last.
TEXT_PATTERN = rf"^[^{_SPACE}\u0000]([^\u0000]*[^{_SPACE}\u0000])?$"
_TEXT = re.compile(TEXT_PATTERN)


# --- JSON bodies --------------------------------------------------------------------------------


class JSONCharField(serializers.CharField):
    default_error_messages = {
        "invalid": "应为字符串。",
        "nul": "不能包含空字符（NUL）。",
        "text": "不能以空白字符开头或结尾。",
    }

    def __init__(self, **kwargs):
        kwargs["trim_whitespace"] = False
        super().__init__(**kwargs)
        # A field with its own pattern (a region code, an ID number) documents that one.
        if not any(isinstance(validator, RegexValidator) for validator in self.validators):
            set_override(self, "field", {"type": "string", "pattern": TEXT_PATTERN})

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        if "\x00" in data:
            self.fail("nul")
        if not _TEXT.fullmatch(data):
            self.fail("text")
        return data


class JSONIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "应为 JSON 整数（不带引号、小数点或指数）。"}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return data


class JSONBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "应为 JSON 布尔值 true 或 false。"}

    def to_internal_value(self, data):
        if data is True or data is False:
            return data
        self.fail("invalid")


class JSONDecimalField(serializers.DecimalField):
    """A string in plain decimal notation: no sign where the minimum is 0, no exponent, no
    leading zero, at most `decimal_places` decimals; NaN and Infinity are not numbers here."""

    default_error_messages = {"invalid": '应为字符串形式的十进制数，例如 "12345.50"（不用科学计数法）。'}

    def __init__(self, max_digits, decimal_places, **kwargs):
        super().__init__(max_digits, decimal_places, **kwargs)
        whole = max_digits - decimal_places
        sign = "" if self.min_value is not None and self.min_value >= 0 else "-?"
        fraction = rf"(\.[0-9]{{1,{decimal_places}}})?" if decimal_places else ""
        self.pattern = rf"^{sign}(0|[1-9][0-9]{{0,{whole - 1}}}){fraction}$"
        self._pattern = re.compile(self.pattern)
        set_override(self, "field", {"type": "string", "format": "decimal", "pattern": self.pattern})

    def to_internal_value(self, data):
        if not isinstance(data, str) or not self._pattern.fullmatch(data):
            self.fail("invalid")
        return super().to_internal_value(data)


class JSONChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class JSONPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A related row named by its id, a JSON integer."""

    default_error_messages = {
        "incorrect_type": "应为 JSON 整数 id。",
        "does_not_exist": "对象不存在或不在您的管辖范围内。",
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        set_override(self, "field", {"type": "integer", "minimum": 1, "maximum": ID_MAX})

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= data <= ID_MAX:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


_STRICT = {
    serializers.CharField: JSONCharField,
    serializers.IntegerField: JSONIntegerField,
    serializers.BooleanField: JSONBooleanField,
    serializers.DecimalField: JSONDecimalField,
}


# Base of the input (PATCH) serializers: the model's fields as the JSON fields above; a declared
# field should be one of them too. (A comment: drf-spectacular would publish a serializer's
# docstring as its component's description.)
class StrictModelSerializer(serializers.ModelSerializer):
    serializer_field_mapping = {
        model_field: _STRICT.get(field, field)
        for model_field, field in serializers.ModelSerializer.serializer_field_mapping.items()
    }
    serializer_choice_field = JSONChoiceField
    serializer_related_field = JSONPrimaryKeyRelatedField


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
