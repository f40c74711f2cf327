"""The officers' queue pages at national scale (issue 5): 5 million generated dossiers.

Acceptance: the queue page's p95 in-process under 50 ms, at most 2x a bare indexed query plus
render measured in the same run, and a query count that does not grow with the queue's size.

Measured in-process with ``django.test.Client`` (``force_login``; the staff second factor is
switched off with ``override_settings(STAFF_OTP_REQUIRED=False)``, as a verified session would
skip it), for every queue, page 1 and a deep page (``next`` cursors followed up to page 200,
or the last page of a shorter queue), without a search, searching a common given name and
searching a name nobody has (the whole queue is looked at), in a big commune service centre
(>= 20,000 open dossiers) and a small one (~50 open):

- the API page ``GET /api/v1/queues/<name>/``, and the HTML page ``/office/?queue=<name>`` once
  ``office:queues`` exists;
- interleaved with two *bare* baselines, Django views behind the same client and middleware
  that check the login, run the page's own row query (its exact SQL, captured from the page:
  same WHERE, ORDER BY, LIMIT 26) on a raw cursor and render the rows as a plain table:
  ``bare`` on a blank page (the API page's baseline), ``bare page`` inside the portal's office
  layout (header, menus, language switch, footer: what any page of the portal renders), the
  HTML page's baseline. The HTML page's ratio to the blank ``bare`` is printed too: an empty
  page of the portal costs more than twice a blank one before it lists anything.
- the tabs' counts, which the page asks for with htmx as soon as it is shown
  (``/office/queues/counts/``), and the API's counts ``GET /api/v1/queues/``.

Then the query count of each page (small vs big agency, page 1 vs deep), and EXPLAIN (ANALYZE,
BUFFERS) of the big agency's row queries. Figures only: this is not a timed test.

Run (PostgreSQL on 127.0.0.1)::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_queues \\
        python bench/queues.py [--generate] [--repeat 200] [--queues reception,mine]

``--generate`` first makes the data if the database holds fewer than 5,000,000 generated
dossiers (``python -m bench.generate --dossiers 5000000 --staff --hot 00004:0.11``, about 20
minutes on two CPUs); without it, missing data exits with status 2. ``BENCH_REPEAT`` or
``--repeat`` sets the timed requests per variant (200); a full run takes about 10 minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
import types
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings_test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench_queues")
os.environ.setdefault("API_ANON_RATE", "1000000/minute")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.http import HttpResponse, HttpResponseForbidden  # noqa: E402
from django.template import engines  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import NoReverseMatch, include, path, reverse  # noqa: E402

from bench import generate  # noqa: E402
from dossiers.models import Dossier  # noqa: E402
from dossiers.queues import PAGE_SIZE, QUEUES, queue_counts  # noqa: E402
from units.models import Agency, AgencyKind, Membership, Role  # noqa: E402

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


# --- main -------------------------------------------------------------------------------------


def html_url() -> str | None:
    try:
        return reverse("office:queues")
    except NoReverseMatch:
        return None


def fmt(samples: list[float] | None) -> str:
    if not samples:
        return "       -        -"
    return f"{statistics.median(samples):8.2f} {p95(samples):8.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/queues.py", description=__doc__)
    parser.add_argument("--generate", action="store_true", help="make the data if missing")
    parser.add_argument("--repeat", type=int, default=int(os.environ.get("BENCH_REPEAT", 200)))
    parser.add_argument("--queues", default=",".join(QUEUES), help="comma-separated queue names")
    parser.add_argument(
        "--dossiers",
        type=int,
        default=TARGET,
        help="generated dossiers needed (default 5,000,000; less only for a trial run)",
    )
    args = parser.parse_args(argv)
    queues = [name for name in args.queues.split(",") if name]
    unknown = sorted(set(queues) - set(QUEUES))
    if unknown:
        parser.error(f"unknown queues: {', '.join(unknown)}")

    started = time.perf_counter()
    load_before = os.getloadavg()
    total = ensure_data(args.generate, args.dossiers)
    with override_settings(ROOT_URLCONF=bench_urls(), STAFF_OTP_REQUIRED=False):
        page_url = html_url()
        bench = Bench(page_url, args.repeat)
        header = [f"database {connection.settings_dict['NAME']}: {total:,} generated dossiers"]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_size_pretty(pg_database_size(current_database())), "
                "pg_size_pretty(pg_total_relation_size('dossiers_dossier'))"
            )
            size, table = cursor.fetchone()
        header[-1] += f" ({size}; dossiers with indexes {table})"
        places = sites()
        for s in places:
            assigned = Dossier.objects.filter(agency=s.agency, assignee__isnull=False).count()
            sizes = queue_counts(s.officers[Role.SPECIALIST], agencies=[s.agency.pk])
            header.append(
                f"{s.label:>5} agency {s.agency.identifier} ({s.agency.name}): {s.open:,} open "
                f"(statuses {', '.join(map(str, OPEN))}), {s.total:,} in all, "
                f"{assigned:,} in someone's hands; queue sizes "
                + ", ".join(f"{name} {count:,}" for name, count in sizes.items())
            )
        header.append(
            "staff second factor off for the bench (override_settings STAFF_OTP_REQUIRED=False)"
        )
        if page_url is None:
            header.append("HTML queue page (office:queues): page not built yet; API only")
        else:
            header.append(f"HTML queue page: {page_url}?queue=<name>")
        for line in header:
            print(line)

        variants: list[Variant] = []
        for s in places:
            for name in queues:
                for q in SEARCHES.values():
                    variants.extend(bench.follow(s, name, q))
        for v in variants:
            bench.prepare(v)
        header.append(
            f"{len(variants)} variants x {args.repeat} timed requests each after {WARMUP} warm-up, "
            f"API{' + HTML + bare page' if page_url else ''} + bare interleaved; "
            f"searches {SEARCHES}; deep = page {DEEP} or the queue's last page"
        )
        print(header[-1])
        for number, v in enumerate(variants, 1):
            print(f"  timing {number}/{len(variants)} {v.key}", file=sys.stderr)
            bench.time(v)
        tab_counts = {}
        for s in places:
            print(f"  timing the counts of {s.label}", file=sys.stderr)
            tab_counts[s.label] = bench.counts(s)
        for v in variants:
            if v.site.label == "big":
                v.plan = explain(BARE_SQL[v.key])
    load_after = os.getloadavg()
    header.append(
        f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after on "
        f"{os.cpu_count()} CPUs (a shared machine); the run took "
        f"{time.perf_counter() - started:.0f} s"
    )
    report(variants, page_url is not None, queues, header, tab_counts)
    return 0


def report(
    variants: list[Variant],
    with_html: bool,
    queues: list[str],
    header: list[str],
    tab_counts: dict[str, dict],
) -> bool:
    """Print the plans, then the summary block; True when every acceptance figure is met."""
    print()
    print("EXPLAIN (ANALYZE, BUFFERS) of the big agency's row queries, after the timed runs:")
    for v in variants:
        if v.plan is None:
            continue
        print(f"- {v.key}:")
        for line in v.plan["nodes"]:
            print(f"      {line}")

    print()
    print("=" * 100)
    print("SUMMARY")
    for line in header:
        print(line)

    print()
    print("Row query plans (big agency): top node, execution time, dossier indexes used")
    for v in variants:
        if v.plan is None:
            continue
        plan = v.plan
        used = sorted({i for i in plan["indexes"] if not i.endswith("_pkey")})
        print(
            f"  {v.key:<28} {plan['top']:<6} {plan['ms']:7.2f} ms  {', '.join(used) or '-'}"
            f"{'  SEQ SCAN of dossiers' if plan['seq_scan'] else ''}"
        )

    print()
    print("Queries per request, API page; HTML page")
    print(f"  {'queue':<11} {'q':<5} {'small p1':>10} {'big p1':>10} {'big deep':>10}")
    counts = set()
    for name in queues:
        for label_q, q in SEARCHES.items():
            cells = []
            for label, deep in (("small", False), ("big", False), ("big", True)):
                found = [
                    v
                    for v in variants
                    if (v.site.label, v.queue, v.q, v.depth > 1) == (label, name, q, deep)
                ]
                if not found:
                    cells.append(f"{'-':>10}")
                    continue
                v = found[0]
                counts.add((name, v.api_queries, v.html_queries))
                html = "-" if v.html_queries is None else str(v.html_queries)
                cells.append(f"{f'{v.api_queries}; {html}':>10}")
            print(f"  {name:<11} {label_q:<5} " + " ".join(cells))
    constant = len({(n, a, h) for n, a, h in counts}) == len({n for n, _a, _h in counts})

    print()
    print("ms per request (median, p95), page/baseline ratios (median, p95); same run, interleaved")
    # (page, its baseline, whether the ratio is an acceptance figure)
    pairs = [("api", "bare", True)]
    if with_html:
        pairs += [("html", "bare page", True), ("html", "bare", False)]
    kinds = list(dict.fromkeys(kind for pair in pairs for kind in pair[:2]))
    head = f"  {'variant':<28} {'rows':>4}"
    for kind in kinds:
        head += f" {kind + ' med':>13} {'p95':>6}"
    for page, base, _accept in pairs:
        head += f" {page + '/' + base:>15} {'p95':>6}"
    print(head)
    worst = {pair: (0.0, 0.0) for pair in pairs}  # (p95, p95 ratio)
    for v in variants:
        line = f"  {v.key:<28} {v.rows:>4}"
        for kind in kinds:
            line += f" {statistics.median(v.timings[kind]):13.2f} {p95(v.timings[kind]):6.2f}"
        for pair in pairs:
            page, base = v.timings[pair[0]], v.timings[pair[1]]
            ratio_med = statistics.median(page) / statistics.median(base)
            ratio_p95 = p95(page) / p95(base)
            line += f" {ratio_med:14.2f}x {ratio_p95:5.2f}x"
            worst[pair] = (max(worst[pair][0], p95(page)), max(worst[pair][1], ratio_p95))
        print(line)

    print()
    ok = constant
    for pair in pairs:
        (slowest, ratio), (page, base, accept) = worst[pair], pair
        if accept:
            ok &= slowest < P95_LIMIT_MS and ratio <= RATIO_LIMIT
            fast, near = slowest < P95_LIMIT_MS, ratio <= RATIO_LIMIT
            print(
                f"{page.upper():>5} page: worst p95 {slowest:.1f} ms (limit {P95_LIMIT_MS:.0f} ms: "
                f"{'ok' if fast else 'OVER'}), worst p95 ratio to {base} "
                f"{ratio:.2f}x (limit {RATIO_LIMIT:.0f}x: {'ok' if near else 'OVER'})"
            )
        else:
            print(f"{page.upper():>5} page: worst p95 ratio to {base} {ratio:.2f}x (information)")
    print(
        "query count the same for the small and the big agency, page 1 and deep: "
        f"{'yes' if constant else 'NO'}"
    )
    print()
    print(
        f"Tab counts (all nine queues; the HTML tabs {COUNTS_URL}, which the page loads with htmx "
        "once shown, and GET /api/v1/queues/): ms per request (median, p95), queries"
    )
    for label, found in tab_counts.items():
        for kind, samples in found["timings"].items():
            slow = p95(samples)
            print(
                f"  {label:>5} {kind:<4} {fmt(samples)}  {found['queries'][kind]} queries"
                f"  (limit {P95_LIMIT_MS:.0f} ms: {'ok' if slow < P95_LIMIT_MS else 'OVER'})"
            )
            ok &= slow < P95_LIMIT_MS
    if not with_html:
        print("the HTML page was not built yet: only the API page was measured")
    return ok


if __name__ == "__main__":
    sys.exit(main())
