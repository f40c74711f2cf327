"""Read paths of the catalogue: search, assignments on a date, the former-district report."""

import datetime as dt
import difflib
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import Greatest, Left

from procedures.models import Assignment, Level, Procedure
from units.models import Unit
from units.text import fold


def active_on(on: dt.date) -> Q:
    return Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on))


def in_province(province_code: str) -> Q:
    return Q(scope_id=province_code) | Q(scope__parent_id=province_code)


def assignments_on(
    *, procedure: Procedure, on: dt.date, province_code: str | None = None
) -> QuerySet[Assignment]:
    """Who settled ``procedure`` on day ``on`` (history stays queryable), in a province or all."""
    qs = Assignment.objects.filter(procedure=procedure)
    if province_code:
        qs = qs.filter(in_province(province_code))
    return qs.filter(active_on(on)).select_related("scope", "agency").order_by("level", "scope_id")


def former_district_assignments(*, province_code: str, on: dt.date) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(level=Level.FORMER_DISTRICT)
        .filter(active_on(on))
        .filter(in_province(province_code))
    )


@dataclass
class FormerDistrictReport:
    province: Unit
    on: dt.date
    remaining: list[Procedure]
    total: int


def former_district_report(*, province: Unit, on: dt.date) -> FormerDistrictReport:
    """ "N of M procedures of province P are still assigned to the former district level"."""
    in_force = Assignment.objects.filter(active_on(on)).filter(in_province(province.code))
    total = in_force.values("procedure_id").distinct().count()
    ids = former_district_assignments(province_code=province.code, on=on).values("procedure_id")
    remaining = list(Procedure.objects.filter(pk__in=ids).select_related("field").order_by("code"))
    return FormerDistrictReport(province=province, on=on, remaining=remaining, total=total)


def _catalogue(filters: dict) -> QuerySet[Procedure]:
    qs = Procedure.objects.filter(is_active=True, current_version__isnull=False).select_related(
        "field"
    )
    if filters.get("field"):
        qs = qs.filter(field_id=filters["field"])
    if filters.get("level"):
        qs = (
            qs.filter(levels__contains=[filters["level"]])
            if connection.vendor == "postgresql"
            else qs.filter(levels__icontains=f'"{filters["level"]}"')
        )
    if filters.get("online_level"):
        qs = qs.filter(online_level=filters["online_level"])
    if filters.get("agency") or filters.get("province"):
        today = filters.get("on") or dt.date.today()
        assigned = Assignment.objects.filter(active_on(today))
        if filters.get("agency"):
            agency = filters["agency"]
            # The agency itself, or every agency of its level in its area: a commune's
            # committee also settles what is assigned to all communes of its province.
            own_level = Level.PROVINCE if agency.unit.level == "province" else Level.COMMUNE
            condition = Q(agency=agency) | Q(
                agency__isnull=True, scope_id=agency.unit_id, level=own_level
            )
            if own_level == Level.COMMUNE:
                condition |= Q(
                    agency__isnull=True, scope_id=agency.unit.parent_id, level=Level.COMMUNE
                )
            assigned = assigned.filter(condition)
        if filters.get("province"):
            assigned = assigned.filter(in_province(filters["province"]))
        qs = qs.filter(pk__in=assigned.values("procedure_id"))
    return qs


def procedure_search(*, query: str = "", **filters) -> QuerySet[Procedure] | list[Procedure]:
    """The public catalogue, ranked by relevance to ``query`` typed loosely and without accents.

    PostgreSQL: trigram word similarity on the accent-folded name (pg_trgm), with a bonus when
    the query's words appear as a phrase and a small one for shorter names. SQLite (embedded
    mode): the same idea in Python over the (small) catalogue.
    """
    qs = _catalogue(filters)
    folded = fold(query)
    if not folded:
        return qs.order_by("code")
    if connection.vendor == "postgresql":
        return _postgres_ranked(qs, folded)
    return _python_ranked(qs, folded)


RANK_HEAD = 90
# Constant SQL; the query text always goes in as a bound parameter.
MATCH_WORDS = (
    "to_tsvector('simple', procedures_procedure.search_text) @@ plainto_tsquery('simple', %s)"
)
KNOWN_WORDS = (
    "SELECT w FROM unnest(%s::text[]) AS w WHERE EXISTS (SELECT 1 FROM procedures_procedure "
    "WHERE to_tsvector('simple', search_text) @@ plainto_tsquery('simple', w))"
)


def _known_words(words: list[str]) -> list[str]:
    """The query's words that occur in the catalogue (one indexed query); the rest are typos."""
    with connection.cursor() as cursor:
        cursor.execute(KNOWN_WORDS, [words])
        found = {row[0] for row in cursor.fetchall()}
    return [word for word in words if word in found]


def _postgres_ranked(qs, folded: str):
    """Candidates by full-text match of the query's known words (GIN index), ranked by
    trigram similarity of the whole query, so a mistyped word still finds its procedure.
    A query of only unknown words falls back to trigram word similarity over the catalogue.
    """
    from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
    from django.db.models import BooleanField
    from django.db.models.expressions import RawSQL

    known = _known_words(folded.split())
    if known:
        matches = RawSQL(MATCH_WORDS, [" ".join(known)], output_field=BooleanField())  # noqa: S611
        qs = qs.filter(matches)
    else:
        qs = qs.filter(search_text__trigram_word_similar=folded)
    # Trigram similarity costs in proportion to the text: rank on the head of the name, where
    # what a procedure is stands (the tail lists its sub-cases).
    head = Left("search_text", RANK_HEAD)
    # alias, not annotate: selected as well, each similarity would be computed twice per
    # candidate (once as its own column, once inside the rank), which was half the query's time.
    return (
        qs.alias(
            word_sim=TrigramWordSimilarity(Value(folded), head),
            sim=TrigramSimilarity(head, Value(folded)),
        )
        .annotate(
            rank=Greatest(F("word_sim"), Value(0.0), output_field=FloatField()) * 2
            + F("sim")
            + _phrase_bonus(folded)
        )
        .order_by("-rank", "code")
    )


def _phrase_bonus(folded: str):
    from django.db.models import Case, When

    return Case(
        When(search_text__startswith=folded, then=Value(1.5)),
        When(search_text__contains=f" {folded}", then=Value(1.0)),
        When(search_text__contains=folded, then=Value(0.8)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def _python_ranked(qs, folded: str) -> list[Procedure]:
    words = folded.split()
    scored = []
    for procedure in qs:
        text = procedure.search_text
        tokens = text.split()
        matched = sum(
            1 for w in words if w in tokens or difflib.get_close_matches(w, tokens, 1, 0.75)
        )
        if matched / len(words) < 0.6 and folded not in text:
            continue
        bonus = 1.5 if text.startswith(folded) else 1.0 if folded in text else 0.0
        ratio = difflib.SequenceMatcher(None, folded, text).ratio()
        scored.append((2 * matched / len(words) + ratio + bonus, procedure))
    scored.sort(key=lambda pair: (-pair[0], pair[1].code))
    return [procedure for _score, procedure in scored]


def procedure_detail(*, code: str) -> Procedure:
    return (
        Procedure.objects.select_related("field", "current_version", "current_version__field")
        .prefetch_related(
            "current_version__channels__fees",
            "current_version__cases__components",
            "current_version__workflow",
        )
        .get(code=code, current_version__isnull=False)
    )


def field_counts():
    return (
        Procedure.objects.filter(is_active=True, current_version__isnull=False)
        .values("field_id", "field__name")
        .annotate(n=Count("id"))
        .order_by("field__name")
    )
