"""A password validator Django lacks: enough different kinds of character."""

import string

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError


def _classes(password: str) -> int:
    kinds = (
        any(c in string.ascii_lowercase for c in password),
        any(c in string.ascii_uppercase for c in password),
        any(c.isdigit() for c in password),
        any(not c.isascii() or c in string.punctuation or c.isspace() for c in password),
    )
    return sum(kinds)


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, capitals, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if _classes(password) < self.min_classes:
            raise ValidationError(
                "密码须包含以下四类字符中的至少 %(min_classes)d 类：小写字母、大写字母、数字、符号。",
                code="password_too_simple",
                params={"min_classes": self.min_classes},
            )

    def get_help_text(self):
        return f"密码须包含小写字母、大写字母、数字、符号四类中的至少 {self.min_classes} 类。"


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's, with the Chinese message its zh_Hans catalogue lacks for the current wording."""

    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                "密码长度太短，至少需要 %(min_length)d 个字符。",
                code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self):
        return f"密码至少需要 {self.min_length} 个字符。"
