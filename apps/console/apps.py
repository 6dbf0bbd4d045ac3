from django.contrib.admin.apps import AdminConfig


class ConsoleAdminConfig(AdminConfig):
    """Django's admin with Junction's site: sections by what people do and a home page that shows what matters."""

    default_site = "apps.console.sites.JunctionAdminSite"
