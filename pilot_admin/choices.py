from django.db import models


class Role(models.TextChoices):
    COUNTY_ADMIN = "county_admin", "县级管理员（领导小组办公室）"
    COUNTY_VIEWER = "county_viewer", "县级查看"
    DEPARTMENT = "department", "县直部门"
    TOWNSHIP = "township", "乡镇"
    INSPECTOR = "inspector", "检查验收组"
    API_CLIENT = "api_client", "接口客户端"


class AuditAction(models.TextChoices):
    CREATE = "create", "新增"
    UPDATE = "update", "修改"
    DELETE = "delete", "删除"
    IMPORT = "import", "导入"
    LOGIN = "login", "登录"
    LOGOUT = "logout", "退出"
    LOGIN_FAILED = "login_fail", "登录失败"
    EXPORT = "export", "导出"


class ImportStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "处理中"
    FAILED = "failed", "有错误，未写入"
    CHECKED = "checked", "试导入通过，未写入"
    DONE = "done", "已导入"
