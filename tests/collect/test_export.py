"""``aoss-monitor export``: the SPEC's long format, its filters and its refusals."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.ids import RepoId
from monitor.store.db import Database
from monitor.store.series import (
    ObservationIn,
    record_identity,
    sync_projects,
    write_observations,
)
from tests.harness import Run

HEADER = "repo,metric,observed_at,value,source"
ROWS = [  # export order: repo (current name), metric, time
    "gitee:acme/rocket,stars,2026-10-01T06:00:00Z,20,collected",
    "github:acme/rocket-ng,forks,2026-10-01T06:00:00Z,7,collected",
    "github:acme/rocket-ng,stars,2026-09-30T07:00:00Z,9,backfill",
    "github:acme/rocket-ng,stars,2026-10-01T06:00:00Z,10,collected",
    "github:acme/rocket-ng,stars,2026-10-02T23:59:59Z,11,collected",
    "github:acme/rocket-ng,stars,2026-10-03T00:00:00Z,12,collected",
]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


@pytest.fixture
def stored(database: Database) -> None:
    """ROWS, written in scrambled order; github:acme/rocket has since become acme/rocket-ng."""
    with database.session() as session:
        repos = sync_projects(session, [("Rocket", [RepoId.parse("github:acme/rocket"),
                                                    RepoId.parse("gitee:acme/rocket")])],
                              datetime(2024, 3, 1, tzinfo=UTC))
        record_identity(session, repos["github:acme/rocket"], 101, "acme", "rocket-ng")
        ids = {"github:acme/rocket-ng": repos["github:acme/rocket"].id,
               "gitee:acme/rocket": repos["gitee:acme/rocket"].id}
        observations = []
        for line in reversed(ROWS):
            repo, metric, observed_at, value, source = line.split(",")
            repo_id = ids[repo]
            assert repo_id is not None
            observations.append(
                ObservationIn(repo_id, metric, when(observed_at), int(value), source))
        write_observations(session, observations)


def csv_of(lines: list[str]) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


@pytest.mark.usefixtures("stored")
def test_csv_has_the_spec_header_and_every_row_in_order(run: Run) -> None:
    assert run("export") == (0, csv_of(ROWS), "")


@pytest.mark.usefixtures("stored")
def test_json_is_an_array_of_the_same_rows_with_five_keys(run: Run) -> None:
    status, out, _ = run("export", "--format", "json")
    assert status == 0
    items = json.loads(out)
    assert items == [
        {**row, "value": int(row["value"])} for row in csv.DictReader(io.StringIO(csv_of(ROWS)))
    ]
    assert all(list(item) == HEADER.split(",") for item in items)


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize("name", [
    "github:acme/rocket", "github:ACME/Rocket-NG", "https://github.com/acme/rocket-ng",
])
def test_repo_filter_finds_a_renamed_repo_by_either_name(run: Run, name: str) -> None:
    expected = [line for line in ROWS if line.startswith("github:")]
    assert run("export", "--repo", name) == (0, csv_of(expected), "")


@pytest.mark.usefixtures("stored")
def test_metric_filter_keeps_that_metric_only(run: Run) -> None:
    expected = [line for line in ROWS if ",forks," in line]
    assert run("export", "--metric", "forks") == (0, csv_of(expected), "")


@pytest.mark.usefixtures("stored")
def test_until_a_date_includes_that_whole_day(run: Run) -> None:
    status, out, _ = run("export", "--since", "2026-10-01", "--until", "2026-10-02")
    assert status == 0
    assert out == csv_of([ROWS[0], ROWS[1], ROWS[3], ROWS[4]])  # 10-02T23:59:59 in, 10-03 out


@pytest.mark.usefixtures("stored")
def test_since_and_until_instants_bound_both_ends(run: Run) -> None:
    status, out, _ = run("export", "--since", "2026-10-01T06:00:00Z",
                         "--until", "2026-10-01T06:00:00Z", "--metric", "stars")
    assert status == 0
    assert out == csv_of([ROWS[0], ROWS[3]])


@pytest.mark.usefixtures("stored")
def test_output_file_holds_the_export(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "out" / "series.json"
    target.parent.mkdir()
    status, out, err = run("export", "--format", "json", "--output", str(target))
    assert (status, out) == (0, "")
    assert err == f"wrote {len(ROWS)} rows to {target}\n"
    assert target.read_text() == run("export", "--format", "json")[1]
    assert list(target.parent.iterdir()) == [target]


@pytest.mark.usefixtures("stored")
def test_a_failed_export_leaves_the_output_file_as_it_was(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "out" / "series.csv"
    target.parent.mkdir()
    target.write_text("earlier export\n")
    assert run("export", "--repo", "github:no/such", "--output", str(target))[0] == 2
    assert target.read_text() == "earlier export\n"
    assert list(target.parent.iterdir()) == [target]


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(("args", "message"), [
    (("--metric", "likes"), "unknown metric 'likes'"),
    (("--since", "2026-13-01"), "bad date '2026-13-01'"),
    (("--until", "yesterday"), "bad date 'yesterday'"),
    (("--repo", "github:no/such"), "no stored data for github:no/such"),
    (("--repo", "nonsense"), "bad repository identifier"),
    (("--format", "xml"), "Invalid value for '--format'"),
])
def test_bad_input_is_one_line_exit_2(run: Run, args: tuple[str, ...], message: str) -> None:
    status, out, err = run("export", *args)
    assert (status, out) == (2, "")
    assert len(err.strip().splitlines()) == 1
    assert message in err


@pytest.mark.usefixtures("stored")
@pytest.mark.parametrize(("fmt", "empty"), [("csv", HEADER + "\n"), ("json", "[]\n")])
def test_an_empty_selection_is_just_the_header_or_an_empty_array(
    run: Run, fmt: str, empty: str
) -> None:
    assert run("export", "--format", fmt, "--since", "2027-01-01") == (0, empty, "")
