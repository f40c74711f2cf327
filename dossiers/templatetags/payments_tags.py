"""``{% payment_panel dossier "citizen" %}``: the fees of a dossier on the citizen's page, the
tracking page ("public") and the work page ("office"); ``|vnd`` writes 7000 as "7.000 đ"."""

from django import template

from dossiers.payments import fees, selectors

register = template.Library()


@register.filter
def vnd(amount) -> str:
    return fees.format_vnd(amount)


@register.inclusion_tag("payments/_panel.html", takes_context=True)
def payment_panel(context, dossier, audience: str = "citizen") -> dict:
    summary = selectors.payment_summary(dossier)
    return {
        **summary,
        "dossier": dossier,
        "audience": audience,
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
    }
