from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # Embedded mode (no beat): the rollups follow each committed change at once.
        from dossiers import hooks
        from reports.tasks import follow_dossier, follow_dossiers

        hooks.on_changed(follow_dossier)
        hooks.on_changed_many(follow_dossiers)
        hooks.on_changed_set(follow_dossiers)
        hooks.on_rated(follow_dossier)
