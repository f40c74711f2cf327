"""Public pages of the registry: provinces → communes and agencies, with accent-free search."""

from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.vary import vary_on_headers

from units import selectors
from units.models import Agency, Unit, UnitLevel

PAGE_SIZE = 60


@vary_on_headers("HX-Request")
def unit_browser(request):
    """Provinces, or search results across provinces and communes (htmx updates the list)."""
    query = request.GET.get("q", "").strip()[:100]
    context = {"query": query}
    if query:
        results = selectors.unit_list(search=query, include_former=True)
        page = Paginator(results, PAGE_SIZE).get_page(request.GET.get("page"))
        context.update(page=page, results=page.object_list)
    else:
        context["provinces"] = selectors.province_list_with_counts()
    template = "units/_results.html" if request.htmx else "units/browser.html"
    return render(request, template, context)


@vary_on_headers("HX-Request")
def unit_detail(request, code: str):
    try:
        unit = selectors.unit_detail(code=code)
    except Unit.DoesNotExist as exc:
        raise Http404 from exc
    query = request.GET.get("q", "").strip()[:100]
    context = {
        "unit": unit,
        "agencies": selectors.unit_agencies(unit=unit),
        "query": query,
        "successors": unit.successors.order_by("code"),
        "predecessors": unit.predecessors.order_by("code"),
    }
    if unit.level == UnitLevel.PROVINCE:
        communes = selectors.unit_list(
            level=UnitLevel.COMMUNE, parent=unit.code, search=query or None
        )
        page = Paginator(communes, PAGE_SIZE * 3).get_page(request.GET.get("page"))
        context.update(
            page=page,
            communes=page.object_list,
            former_districts=selectors.unit_list(level=UnitLevel.FORMER_DISTRICT, parent=unit.code),
        )
        if request.htmx:
            return render(request, "units/_communes.html", context)
    return render(request, "units/unit_detail.html", context)


def agency_detail(request, identifier: str):
    try:
        agency = selectors.agency_detail(identifier=identifier)
    except Agency.DoesNotExist as exc:
        raise Http404 from exc
    return render(request, "units/agency_detail.html", {"agency": agency})
