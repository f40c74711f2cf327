from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    name = "sync"
    verbose_name = _("National portal sync")

    def ready(self):
        # Every announced change of a dossier becomes an outbox row in its own transaction.
        from dossiers import hooks
        from sync.outbox import record_change, record_changes
        from sync.outbox_set import record_changed_set

        hooks.on_changed(record_change)
        hooks.on_changed_many(record_changes)
        hooks.on_changed_set(record_changed_set)
