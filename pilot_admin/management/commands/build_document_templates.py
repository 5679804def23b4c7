"""Write every document kind's default template (.docx) from its python-docx builder, so the
committed files can be regenerated and reviewed as code; `--check` fails when one differs."""

from django.core.management.base import BaseCommand, CommandError

from pilot_admin.documents import document_kinds, layout


class Command(BaseCommand):
    help = "生成各类文书的默认 Word 模板（各应用 templates/docx/ 下的 .docx）。"

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="只检查已提交的模板与生成结果是否一致")

    def handle(self, *args, check=False, **options):
        stale = []
        for kind in document_kinds.all():
            content = layout.to_bytes(kind.build())
            current = kind.default_path.read_bytes() if kind.default_path.exists() else None
            if current == content:
                continue
            if check:
                stale.append(str(kind.default_path))
                continue
            kind.default_path.parent.mkdir(parents=True, exist_ok=True)
            kind.default_path.write_bytes(content)
            self.stdout.write(f"已生成 {kind.default_path}")
        if stale:
            raise CommandError(
                "以下默认模板与生成结果不一致，请运行 manage.py build_document_templates：" + "、".join(stale)
            )
