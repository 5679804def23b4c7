"""`manage.py load_demo`: the demo county 巴东县 (see demo/county.py); safe to run again."""

import unicodedata

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from demo.county import load_demo


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    widths = [max(_width(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "载入演示数据：巴东县 12 个乡镇、约 300 个村、部门、2016–2020 年试点（已结束）、"
        "包含今天的当前试点项目和各角色演示账号（可重复运行）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="在 DJANGO_DEBUG=0 时仍然载入（演示账号的密码是公开的，生产库不要用）。",
        )

    def handle(self, *args, **options):
        # The demo accounts have passwords printed in the README: never slip them into a
        # production database by accident.
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "当前为生产配置（DJANGO_DEBUG=0），演示账号的密码是公开的，已拒绝载入。"
                "确需载入请加 --allow-production。"
            )
        summary = load_demo()
        created = summary.created
        self.stdout.write(
            f"{summary.county.name}：{summary.townships} 个乡镇，{summary.villages} 个村（社区），"
            f"{summary.departments} 个部门；试点项目“{summary.program.name}”："
            f"已审批 {summary.pilots['approved']}，已验收 {summary.pilots['accepted']}，"
            f"拟定 {summary.pilots['proposed']}，"
            f"撤销 {summary.pilots['withdrawn']}；村年度指标 {summary.indicators} 条；"
            f"任务 {summary.tasks} 项，进度报告 {summary.reports} 份。"
        )
        if summary.current is not None:
            current = summary.current
            self.stdout.write(
                f"当前试点项目“{current.program.name}”（{current.program.start_year}–{current.program.end_year}，"
                f"按今天 {timezone.localdate():%Y-%m-%d} 生成）：已审批 {current.pilots['approved']}，"
                f"已验收 {current.pilots['accepted']}，拟定 {current.pilots['proposed']}，"
                f"撤销 {current.pilots['withdrawn']}；任务 {current.tasks} 项，进度报告 {current.reports} 份。"
            )
        if summary.liuzhi is not None:
            liuzhi = summary.liuzhi
            self.stdout.write(
                f"{liuzhi.county.name}：试点项目“{liuzhi.program.name}”，任务 {liuzhi.tasks} 项"
                f"（由附件2任务分工表经“任务分工表”导入）。"
            )
        if any(created.values()):
            self.stdout.write(
                f"本次新增：乡镇 {created['townships']}，村 {created['villages']}，部门 {created['departments']}，"
                f"试点项目 {created['programs']}，建设标准 {created['standards']}，"
                f"试点村 {created['pilots']}，指标 {created['indicators']}，"
                f"任务 {created['tasks']}，进度报告 {created['reports']}，"
                f"试点申报和省级重点支持登记 {created['nominations']}，村历史事件 {created['village_events']}；"
                f"六枝特区部门 {created['liuzhi_departments']}，任务 {created['liuzhi_tasks']}；"
                f"当前试点项目 {created['current_programs']}，其试点村 {created['current_pilots']}，"
                f"申报 {created['current_nominations']}，任务 {created['current_tasks']}，"
                f"进度报告 {created['current_reports']}，检查验收 {created['current_inspections']}。"
            )
        else:
            self.stdout.write("演示数据已齐全，本次未新增任何记录。")
        self.stdout.write("")
        self.stdout.write("演示账号（每次运行都会重置为以下密码）：")
        self.stdout.write(format_table(("用户名", "密码", "角色", "单位"), summary.logins))
