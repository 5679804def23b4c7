from django.apps import AppConfig


class GuardianshipConfig(AppConfig):
    name = "guardianship"
    verbose_name = "特困人员监护照护"

    def ready(self):
        # The audit log names persons and guardians masked, and shows duties by their labels.
        from guardianship.choices import Duty
        from pilot_admin.audit import display

        display.register_personal(self.get_model("Person"))
        display.register_personal(self.get_model("Guardian"))
        display.register_list_choices(self.get_model("Agreement"), "duties", Duty.choices)
