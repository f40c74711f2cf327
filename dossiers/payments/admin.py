"""Django admin of payments, for operators: accounts, payments, callbacks, reconciliations."""

from django.contrib import admin

from dossiers.models_payments import GatewayCallback, Payment, PaymentAccount, PaymentReconciliation


@admin.register(PaymentAccount)
class PaymentAccountAdmin(admin.ModelAdmin):
    list_display = ("agency", "bank_code", "account_number", "account_name")
    search_fields = ("agency__name", "agency__identifier", "account_number")
    raw_id_fields = ("agency",)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("reference", "dossier", "method", "amount", "state", "paid_at")
    list_filter = ("method", "state")
    search_fields = ("reference", "external_reference", "dossier__code")


@admin.register(GatewayCallback)
class GatewayCallbackAdmin(ReadOnly):
    list_display = ("received_at", "reference", "callback_id", "outcome", "applied")
    list_filter = ("outcome",)
    search_fields = ("reference", "callback_id")


@admin.register(PaymentReconciliation)
class PaymentReconciliationAdmin(ReadOnly):
    list_display = ("day", "ran_at", "statement_count", "matched", "ok")
