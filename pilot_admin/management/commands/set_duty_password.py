"""`manage.py set_duty_password <username>`: set the password of a system, security or audit
administrator account from the server, as after the upgrade that made them without one.

Without a username it lists the duty accounts and whether each has a password. The password is
asked twice on the terminal (or read from standard input with --stdin, for a script), checked by
the password rules, and must be replaced by its holder at the first sign-in. Audited."""

import getpass
import sys

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pilot_admin.accounts import services
from pilot_admin.choices import DUTY_ROLES
from pilot_admin.models import User


class Command(BaseCommand):
    help = "设置系统管理员、安全管理员或审计管理员账户的密码（本人首次登录须修改）；不带用户名时列出这些账户。"

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="管理员职责账户的用户名，如 422823-sysadmin")
        parser.add_argument("--stdin", action="store_true", help="从标准输入读一行作为密码（供脚本使用）")

    def handle(self, *args, username=None, stdin=False, **options):
        if not username:
            self._list()
            return
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"没有用户名为 {username} 的账户。")
        password = sys.stdin.readline().rstrip("\n") if stdin else self._ask()
        try:
            password_validation.validate_password(password, user)
            services.duty_password_set(user=user, password=password)
        except ValidationError as error:
            raise CommandError("；".join(error.messages)) from error
        self.stdout.write(f"已设置 {user.username}（{user.get_role_display()}）的密码；本人首次登录须改为自己的密码。")

    def _ask(self) -> str:
        password = getpass.getpass("密码：")
        if password != getpass.getpass("再次输入密码："):
            raise CommandError("两次输入的密码不一致。")
        return password

    def _list(self):
        accounts = User.objects.filter(role__in=sorted(DUTY_ROLES)).select_related("county").order_by("county", "role")
        if not accounts:
            self.stdout.write("没有管理员职责账户。")
            return
        for user in accounts:
            state = "已设置密码" if user.has_usable_password() else "未设置密码"
            state = state if user.is_active else "已停用"
            self.stdout.write(f"{user.username}\t{user.get_role_display()}\t{user.county}\t{state}")
