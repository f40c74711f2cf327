"""What a catalogue search costs the database: each trigram similarity once per candidate."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from procedures.selectors import procedure_search

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("demo_readonly")]


@pytest.mark.parametrize("query", ["dang ky khai sinh", "dang ki khai sinh", "xyzw qrtv"])
def test_each_similarity_is_computed_once_per_candidate(query):
    with CaptureQueriesContext(connection) as queries:
        results = list(procedure_search(query=query)[:20])
        fields = [p.field.name for p in results]  # joined: no query per row

    ranked = queries.captured_queries[-1]["sql"].upper()
    # Selected as columns besides the rank, they were computed twice per candidate row.
    assert ranked.count("WORD_SIMILARITY(") == 1
    assert ranked.count("SIMILARITY(") == 2  # WORD_SIMILARITY( and SIMILARITY(
    assert len(queries.captured_queries) == 2  # the query's known words, then the ranking
    assert all(fields)
    if query != "xyzw qrtv":
        assert results[0].code == "1.001193"
