from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "apps.crm"
    verbose_name = "CRM"
