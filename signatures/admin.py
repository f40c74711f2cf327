from django.contrib import admin

from signatures.models import Certificate, Position, ReissueBatch, SignedResult, TrustRoot


@admin.register(TrustRoot)
class TrustRootAdmin(admin.ModelAdmin):
    """Roots verification trusts besides the stand-in's (e.g. the national CA's root)."""

    list_display = ["name", "is_active", "created_at"]
    fields = ["name", "certificate_pem", "is_active"]

    def save_model(self, request, obj, form, change):
        from django.core.exceptions import ValidationError

        from signatures import ca

        try:
            ca.load(obj.certificate_pem)
        except ValueError as exc:
            raise ValidationError("not a PEM certificate") from exc
        if not change:
            obj.added_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Position)
class PositionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "agency", "holder", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["code", "title", "agency__identifier"]
    raw_id_fields = ["agency", "holder"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["serial", "subject", "not_after", "revoked_at", "revocation_reason"]
    search_fields = ["serial", "subject"]
    # Keys are never shown, even to administrators.
    exclude = ["key_encrypted"]
    readonly_fields = [
        "serial",
        "issuer",
        "holder",
        "position",
        "subject",
        "certificate_pem",
        "not_before",
        "not_after",
        "revoked_at",
        "revocation_reason",
        "renewed_from",
    ]

    def has_add_permission(self, request):
        return False


@admin.register(SignedResult)
class SignedResultAdmin(admin.ModelAdmin):
    list_display = ["dossier", "signer", "signed_at", "external"]
    readonly_fields = [f.name for f in SignedResult._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(ReissueBatch)
class ReissueBatchAdmin(admin.ModelAdmin):
    list_display = ["agency", "status", "done", "total", "created_at"]
    readonly_fields = [f.name for f in ReissueBatch._meta.fields]
