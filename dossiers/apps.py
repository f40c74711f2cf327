from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "dossiers"
    verbose_name = _("Dossiers")

    def ready(self):
        # The catalogue (a lower app) reaches dossiers only through this explicit registry.
        from dossiers.rerouting import DossierRerouter
        from procedures.hooks import register_rerouter

        register_rerouter(DossierRerouter())
