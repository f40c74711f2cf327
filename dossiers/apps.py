from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        # The catalogue (a lower app) reaches dossiers only through this explicit registry.
        from django.db.models.signals import post_delete, post_save

        from dossiers.lifecycle.rerouting import DossierRerouter
        from dossiers.models_calendar import CalendarDay
        from dossiers.office.queues import forget_due_soon
        from procedures.hooks import register_rerouter

        register_rerouter(DossierRerouter())
        # The queues keep today's "due within 2 working days" limit a minute: a calendar edit
        # clears it.
        post_save.connect(forget_due_soon, sender=CalendarDay, dispatch_uid="due-soon-saved")
        post_delete.connect(forget_due_soon, sender=CalendarDay, dispatch_uid="due-soon-deleted")
