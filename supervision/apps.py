from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supervision"
    verbose_name = "村务监督委员会"

    def ready(self):
        # The audit log names cadres, relatives, candidates and members masked, as it does the
        # guardianship register's persons.
        from pilot_admin.audit import display

        for name in ("VillageCadre", "CadreRelative", "Candidate", "CommitteeMember"):
            display.register_personal(self.get_model(name))
