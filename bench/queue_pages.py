"""The parts of the queue benchmark (``bench/queues.py``): its constants, the bare baselines,
the data and the sites, measuring a variant and reading a plan. Import it once Django is set up
(``bench/queues.py`` does that first).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
import types
from dataclasses import dataclass, field

from django.db import connection
from django.http import HttpResponse, HttpResponseForbidden
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import include, path

from bench import generate
from dossiers.office.queues import PAGE_SIZE
from units.models import Agency, AgencyKind, Membership, Role

TARGET = 5_000_000
# Phường Ba Đình (Hà Nội): its service centre gets 11% of the commune-level dossiers, ~490,000
# in all and ~22,000 open; the small agency is the commune centre with nearest to 50 open.
HOT_COMMUNE, HOT_SHARE = "00004", 0.11
GENERATE_ARGS = ["--staff", "--hot", f"{HOT_COMMUNE}:{HOT_SHARE}", "--until", "2026-11-23"]
SMALL_OPEN = 50
OPEN = (1, 2, 4, 5, 6, 9)  # waiting for somebody in the agency: every queue's statuses
DEEP = 200
WARMUP = 20
# What an officer types to find someone's dossier (label → q): a given name that 2-3% of
# applicants have, and a full name nobody has (the generator never gives "Khánh"), the worst
# case: every row of the queue is looked at before the page can say "nothing found".
SEARCHES = {"all": "", "q": "Linh", "miss": "Nguyễn Văn Khánh"}
LIMIT_SQL = f"LIMIT {PAGE_SIZE + 1}"
# Who opens which queue: the role whose work it is (a specialist for any other queue).
QUEUE_ROLE = {
    "reception": Role.RECEIVER,
    "return": Role.RECEIVER,
    "leader": Role.LEADER,
    "signature": Role.LEADER,
}
P95_LIMIT_MS, RATIO_LIMIT = 50.0, 2.0
# The tabs' counts: a second request the page makes with htmx as soon as it is shown.
COUNTS_URL = "/office/queues/counts/"
# The search of all the officer's queues: a panel the page loads with htmx when it has a search.
SEARCH_URL = "/office/queues/search/"


# --- the bare baseline: login check, the page's own row SQL on a raw cursor, a plain table ------

BARE_SQL: dict[str, str] = {}
BARE_TABLE = engines["django"].from_string(
    "<!doctype html><title>bare</title><table>"
    "{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>"
    "{% endfor %}</table>"
)


BARE_PAGE = engines["django"].from_string(
    '{% extends "office/base.html" %}{% block title %}bare{% endblock %}{% block office %}'
    "<table>{% for row in rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>"
    "{% endfor %}</table>{% endblock %}"
)


def _bare_rows(key: str) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(BARE_SQL[key])
        return cursor.fetchall()[:PAGE_SIZE]


def bare_view(request, key: str):
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    return HttpResponse(BARE_TABLE.render({"rows": _bare_rows(key)}))


def bare_page_view(request, key: str):
    """The same query and plain table in the portal's layout (no counts, no unread notices)."""
    if not request.user.is_authenticated:
        return HttpResponseForbidden()
    return HttpResponse(BARE_PAGE.render({"rows": _bare_rows(key), "office": {}}, request))


def bench_urls() -> str:
    """The portal's URLs plus the bare view, as a module for ``ROOT_URLCONF``."""
    urls = types.ModuleType("bench_queues_urls")
    urls.urlpatterns = [
        path("bench/bare-queue/<str:key>/", bare_view),
        path("bench/bare-queue-page/<str:key>/", bare_page_view),
        path("", include("portal.urls")),
    ]
    sys.modules[urls.__name__] = urls
    return urls.__name__


# --- data -------------------------------------------------------------------------------------


def generated_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM dossiers_dossier WHERE applicant_id IS NULL "
            "AND applicant_email LIKE %s",
            [f"%@{generate.MARKER_DOMAIN}"],
        )
        return cursor.fetchone()[0]


def ensure_data(make: bool, target: int = TARGET) -> int:
    from django.core.management import call_command

    from bench.run import ensure_database

    ensure_database()
    call_command("migrate", verbosity=0)
    have = generated_count()
    if have >= target:
        return have
    if not make:
        print(
            f"{connection.settings_dict['NAME']} holds {have:,} generated dossiers, fewer than "
            f"{target:,}: run again with --generate (about 20 minutes for 5 million)",
            file=sys.stderr,
        )
        sys.exit(2)
    seed = "1" if have == 0 else str(2 + have)  # a top-up continues with other dossiers
    generate.main(["--dossiers", str(target - have), "--seed", seed, *GENERATE_ARGS])
    with connection.cursor() as cursor:
        # What autovacuum would soon do: the visibility map lets counts scan indexes only.
        cursor.execute("VACUUM (ANALYZE) dossiers_dossier")
    return generated_count()


@dataclass
class Site:
    label: str
    agency: Agency
    open: int
    total: int
    officers: dict[str, object] = field(default_factory=dict)


def _officers(agency: Agency) -> dict[str, object]:
    found = {}
    for role in (Role.RECEIVER, Role.SPECIALIST, Role.LEADER):
        membership = (
            Membership.objects.filter(agency=agency, role=role, is_active=True)
            .select_related("user")
            .order_by("user__username")
            .first()
        )
        if membership is None:
            raise LookupError(f"{agency.identifier} has no {role}: generate with --staff")
        found[role] = membership.user
    return found


def sites() -> list[Site]:
    generate.ensure_staff(busy=[HOT_COMMUNE])  # idempotent; officers for data made without
    hot = Agency.objects.get(unit_id=HOT_COMMUNE, kind=AgencyKind.COMMUNE_SERVICE_CENTRE)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = ANY(%s)), count(*) FROM dossiers_dossier "
            "WHERE agency_id = %s",
            [list(OPEN), hot.pk],
        )
        hot_open, hot_total = cursor.fetchone()
        # The commune centre whose open dossiers are nearest to SMALL_OPEN (lowest id on ties).
        cursor.execute(
            "SELECT d.agency_id, count(*) FILTER (WHERE d.status = ANY(%s)) AS open, count(*) "
            "FROM dossiers_dossier d JOIN units_agency a ON a.id = d.agency_id "
            "WHERE a.kind = %s GROUP BY d.agency_id "
            "ORDER BY abs(count(*) FILTER (WHERE d.status = ANY(%s)) - %s), d.agency_id LIMIT 1",
            [list(OPEN), AgencyKind.COMMUNE_SERVICE_CENTRE, list(OPEN), SMALL_OPEN],
        )
        small_id, small_open, small_total = cursor.fetchone()
    small = Agency.objects.get(pk=small_id)
    return [
        Site("big", hot, hot_open, hot_total, _officers(hot)),
        Site("small", small, small_open, small_total, _officers(small)),
    ]


# --- measuring --------------------------------------------------------------------------------


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20, method="inclusive")[18]


@dataclass
class Variant:
    site: Site
    queue: str
    q: str
    depth: int = 1  # the page number the cursor leads to
    cursor: str | None = None
    rows: int = 0
    first_code: str | None = None
    api_queries: int = 0
    html_queries: int | None = None
    timings: dict[str, list[float]] = field(default_factory=dict)
    plan: dict | None = None

    @property
    def key(self) -> str:
        label = next(label for label, q in SEARCHES.items() if q == self.q)
        return f"{self.site.label}-{self.queue}-{label}-{self.depth}"

    def params(self) -> dict[str, str]:
        params = {}
        if self.q:
            params["q"] = self.q
        if self.cursor:
            params["cursor"] = self.cursor
        return params

    @property
    def user(self):
        return self.site.officers[QUEUE_ROLE.get(self.queue, Role.SPECIALIST)]


class Bench:
    def __init__(self, html_url: str | None, repeat: int):
        self.html_url, self.repeat = html_url, repeat
        self.clients: dict[int, Client] = {}

    def client(self, user) -> Client:
        if user.pk not in self.clients:
            client = Client()
            client.force_login(user)
            self.clients[user.pk] = client
        return self.clients[user.pk]

    def api(self, v: Variant):
        return self.client(v.user).get(f"/api/v1/queues/{v.queue}/", v.params())

    def html(self, v: Variant):
        return self.client(v.user).get(self.html_url, {"queue": v.queue, **v.params()})

    def bare(self, v: Variant):
        return self.client(v.user).get(f"/bench/bare-queue/{v.key}/")

    def bare_page(self, v: Variant):
        return self.client(v.user).get(f"/bench/bare-queue-page/{v.key}/")

    def counts(self, site: Site) -> dict:
        """The tab counts, which the page asks for with htmx once it is shown, and the API's
        counts: queries per request and timings, interleaved like the pages."""
        user = site.officers[Role.SPECIALIST]
        kinds = {"api": "/api/v1/queues/"}
        if self.html_url:
            kinds["html"] = COUNTS_URL
        found = {"queries": {}, "timings": {name: [] for name in kinds}}
        for name, url in kinds.items():
            self.client(user).get(url, {"queue": "overdue"})  # the per-process reads (calendar)
            with CaptureQueriesContext(connection) as captured:
                response = self.client(user).get(url, {"queue": "overdue"})
            assert response.status_code == 200, (site.label, name, response.status_code)
            found["queries"][name] = len(captured)
        for _ in range(WARMUP):
            for url in kinds.values():
                self.client(user).get(url, {"queue": "overdue"})
        clock = time.perf_counter
        for i in range(self.repeat):
            for name in list(kinds) if i % 2 == 0 else reversed(list(kinds)):
                start = clock()
                self.client(user).get(kinds[name], {"queue": "overdue"})
                found["timings"][name].append((clock() - start) * 1000)
        return found

    def search(self, site: Site) -> dict:
        """The search of all the officer's queues (the panel the page loads with htmx when it
        has a search), for a receiver (seven queues) and a leader (five): queries per request
        and timings, the searches interleaved."""
        asks = {
            f"{role}-{label}": (site.officers[role], q)
            for role in (Role.RECEIVER, Role.LEADER)
            for label, q in SEARCHES.items()
            if q
        }
        found = {"queries": {}, "hits": {}, "timings": {name: [] for name in asks}}
        headers = {"HX-Request": "true"}
        for name, (user, q) in asks.items():
            self.client(user).get(SEARCH_URL, {"q": q}, headers=headers)  # the per-process reads
            with CaptureQueriesContext(connection) as captured:
                response = self.client(user).get(SEARCH_URL, {"q": q}, headers=headers)
            assert response.status_code == 200, (site.label, name, response.status_code)
            found["queries"][name] = len(captured)
            found["hits"][name] = response.content.decode().count('data-testid="hit-')
        for _ in range(WARMUP):
            for user, q in asks.values():
                self.client(user).get(SEARCH_URL, {"q": q}, headers=headers)
        clock = time.perf_counter
        for i in range(self.repeat):
            for name in list(asks) if i % 2 == 0 else reversed(list(asks)):
                user, q = asks[name]
                start = clock()
                self.client(user).get(SEARCH_URL, {"q": q}, headers=headers)
                found["timings"][name].append((clock() - start) * 1000)
        return found

    def follow(self, site: Site, queue: str, q: str) -> list[Variant]:
        """Page 1 and the deep page (up to DEEP, following ``next``) of one queue."""
        first = Variant(site, queue, q)
        variants = [first]
        body = self.api(first).json()
        cursor, page = body["next"], 1
        deep_cursor = None
        while cursor and page < DEEP:
            deep_cursor, page = cursor, page + 1
            body = self.client(first.user).get(
                f"/api/v1/queues/{queue}/", {**({"q": q} if q else {}), "cursor": cursor}
            )
            assert body.status_code == 200, body.content[:300]
            cursor = body.json()["next"]
        if deep_cursor:
            variants.append(Variant(site, queue, q, depth=page, cursor=deep_cursor))
        return variants

    def prepare(self, v: Variant) -> None:
        """Count the page's queries and capture its row SQL for the bare view."""
        with CaptureQueriesContext(connection) as captured:
            response = self.api(v)
        assert response.status_code == 200, (v.key, response.status_code, response.content[:300])
        body = response.json()
        v.rows = len(body["results"])
        v.first_code = body["results"][0]["code"] if body["results"] else None
        v.api_queries = len(captured)
        row_sql = [
            q["sql"]
            for q in captured.captured_queries
            if '"dossiers_dossier"' in q["sql"] and q["sql"].rstrip().endswith(LIMIT_SQL)
        ]
        assert len(row_sql) == 1, (v.key, [q["sql"][:120] for q in captured.captured_queries])
        BARE_SQL[v.key] = row_sql[0]
        if self.html_url:
            with CaptureQueriesContext(connection) as captured:
                response = self.html(v)
            assert response.status_code == 200, (v.key, response.status_code)
            v.html_queries = len(captured)
            if v.first_code and v.first_code not in response.content.decode():
                print(
                    f"  ! {v.key}: the HTML page does not show {v.first_code} (cursor/q ignored?)"
                )

    def time(self, v: Variant) -> None:
        """Interleave page(s) and bare requests, alternating which goes first."""
        kinds = {"api": self.api, "bare": self.bare}
        if self.html_url:
            kinds["html"] = self.html
            kinds["bare page"] = self.bare_page
        order = list(kinds)
        for _ in range(WARMUP):
            for name in order:
                kinds[name](v)
        v.timings = {name: [] for name in order}
        clock = time.perf_counter
        for i in range(self.repeat):
            for name in order if i % 2 == 0 else reversed(order):
                start = clock()
                response = kinds[name](v)
                v.timings[name].append((clock() - start) * 1000)
                if response.status_code != 200:
                    raise AssertionError((v.key, name, response.status_code))


# --- plans ------------------------------------------------------------------------------------


def explain(sql: str) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        (raw,) = cursor.fetchone()
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]
    nodes, indexes = [], []

    def walk(node: dict, depth: int) -> None:
        name = node["Node Type"]
        if node.get("Index Name"):
            name += f" {node['Index Name']}"
            indexes.append(node["Index Name"])
        elif node.get("Relation Name"):
            name += f" {node['Relation Name']}"
        detail = f"rows={node.get('Actual Rows')}"
        if node.get("Rows Removed by Filter"):
            detail += f" removed={node['Rows Removed by Filter']}"
        hit, read = node.get("Shared Hit Blocks", 0), node.get("Shared Read Blocks", 0)
        nodes.append(f"{'  ' * depth}{name} ({detail}, {node['Actual Total Time']:.2f} ms)")
        if depth == 0:
            nodes[-1] += f" buffers hit={hit} read={read}"
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan["Plan"], 0)
    return {
        "top": plan["Plan"]["Node Type"],
        "ms": plan["Execution Time"],
        "planning_ms": plan["Planning Time"],
        "nodes": nodes,
        "indexes": indexes,
        "seq_scan": any("Seq Scan dossiers_dossier" in n for n in nodes),
    }
