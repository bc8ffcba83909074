"""The short soak (about 30 s a database, crash included): correctness only, never speed.
`make soak` runs the long one and writes its figures to docs/benchmarks.md."""

import pytest

from benchmarks import soak
from benchmarks._wrk import MissingWrk
from tests.support.servers import MissingSystemPackage, PostgresCluster
from tests.support.system import missing_system_package

pytestmark = [pytest.mark.live, pytest.mark.resilience]


@pytest.fixture(scope="module")
def own_cluster():
    # Its own cluster: the soak reads PostgreSQL's log, which other tests' databases would fill.
    try:
        cluster = PostgresCluster().start()
    except MissingSystemPackage as exc:
        missing_system_package("postgresql", str(exc))
    yield cluster
    cluster.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_mixed_load_then_a_crash_loses_nothing_and_breaks_no_rule(backend, own_cluster):
    try:
        results = soak.run(backend, 15, crash_after=6,
                           cluster=own_cluster if backend == "postgres" else None)  # fmt: skip
    except MissingWrk as exc:
        missing_system_package("wrk", str(exc))
    print(f"\n{backend}\n{soak.table(results)}")
    assert soak.problems(results) == []
