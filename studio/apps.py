from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class StudioConfig(AppConfig):
    default = True
    name = "studio"
    verbose_name = "Studio"


class StudioAdminConfig(admin_apps.AdminConfig):
    """Django's admin with the studio's own site (studio/admin_site.py)."""

    default = False
    default_site = "studio.admin_site.StudioAdminSite"
