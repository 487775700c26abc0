"""The JSON report: valid against docs/report-schema.json, deterministic, complete."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from monitor.metrics import METRICS
from monitor.reports.data import load_report
from monitor.reports.jsonout import as_json, render
from monitor.reports.model import MEMBERSHIP_RULE, SCHEMA_VERSION
from monitor.reports.period import previous
from tests.reports.conftest import Seeded
from tests.reports.sample import ecosystem_report, week

SCHEMA_PATH = Path(__file__).resolve().parents[2] / "docs" / "report-schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_schema_is_versioned_with_the_model(validator: jsonschema.Draft202012Validator) -> None:
    schema = validator.schema
    assert schema["properties"]["schema_version"] == {"const": SCHEMA_VERSION}
    assert schema["$id"].endswith(f"/{SCHEMA_VERSION}")
    assert schema["$defs"]["metric"]["enum"] == list(METRICS)


def test_seeded_report_validates_and_carries_every_figure(
    seeded: Seeded, validator: jsonschema.Draft202012Validator
) -> None:
    report = load_report(seeded.database, seeded.tracked, seeded.period)
    text = render(report)
    data: dict[str, Any] = json.loads(text)
    validator.validate(data)
    assert data["schema_version"] == SCHEMA_VERSION
    assert data["period"] == {
        "kind": "week", "key": "2025-W10",
        "start": "2025-03-03T00:00:00Z", "end": "2025-03-10T00:00:00Z",
        "first_day": "2025-03-03", "last_day": "2025-03-09",
    }
    assert data["mirrors_added"] is True
    assert data["generated_from"] == "2025-03-09T06:00:00Z"

    repos = {r["repo"]: r for p in data["projects"] for r in p["repos"]}
    for repo, metrics in seeded.expected["repos"].items():
        for metric, (start, end) in metrics.items():
            change = repos[repo]["metrics"][metric]
            assert (change["start"], change["end"]) == (start, end)
            assert change["delta"] == (None if start is None or end is None else end - start)

    projects = {p["name"]: p for p in data["projects"]}
    assert [p["name"] for p in data["projects"]] == seeded.expected["order"]
    for name, (start, end) in seeded.expected["stars"].items():
        assert (projects[name]["stars"]["start"], projects[name]["stars"]["end"]) == (start, end)
        assert projects[name]["ranks"]["stars"] == seeded.expected["rank_stars"][name]
        assert projects[name]["ranks"]["growth_previous"] == (
            seeded.expected["rank_growth_previous"][name]
        )
        assert [r["tag"] for r in projects[name]["releases"]] == (
            seeded.expected["releases"][name]
        )
    paddle = projects["Paddle"]
    assert paddle["stars"]["relative"] == round(8_077 / 25_686, 6)
    assert set(paddle["split"]) == {"github", "gitee"}
    mind = repos["github:mindspore-ai/mindspore"]["metrics"]["stars"]
    assert mind["end_stale"] is True and mind["end_at"] == "2025-03-05T06:00:00Z"
    broken = repos["gitee:broken/repo"]["metrics"]["stars"]
    assert broken["start"] is None and broken["end"] is None and broken["start_stale"]
    assert {i["repo"]: i["kind"] for i in data["issues"]} == {
        repo: kind for repo, (kind, _, _) in seeded.expected["issues"].items()
    }
    groups = {g["key"]: g for g in data["groups"]}
    assert groups["china"]["stars"]["partial"] is True
    assert groups["china"]["share_end"] == pytest.approx(seeded.expected["groups"]["china"][4])
    # The hostile release title is data here; escaping is the HTML/Markdown renderers' job.
    assert projects["Paddle"]["releases"][0]["name"] == "<script>alert(1)</script>"


def test_rendering_is_deterministic(seeded: Seeded) -> None:
    first = render(load_report(seeded.database, seeded.tracked, seeded.period))
    second = render(load_report(seeded.database, seeded.tracked, seeded.period))
    assert first == second
    assert first.endswith("\n")
    assert list(json.loads(first)) == sorted(json.loads(first))


def test_hand_built_report_validates(validator: jsonschema.Draft202012Validator) -> None:
    """The renderers' hand-built sample (hostile text, missing and stale values) fits too."""
    sample = pytest.importorskip("tests.reports.sample")
    report = sample.sample_report()
    # The sample's previous period is a placeholder key; a real one is derived from the period.
    report = dataclasses.replace(report, previous=previous(report.period))
    data = as_json(report)
    validator.validate(data)
    urls = [r["url"] for p in data["projects"] for r in p["releases"]]
    urls += [r["url"] for p in data["projects"] for r in p["repos"]]
    assert not any(u and u.lower().startswith("javascript:") for u in urls)


def test_seeded_report_states_membership_and_top_repos(
    seeded: Seeded, validator: jsonschema.Draft202012Validator
) -> None:
    data = as_json(load_report(seeded.database, seeded.tracked, seeded.period, top_repos=1))
    validator.validate(data)
    assert data["top_repos"] == 1
    assert data["membership_rule"] == MEMBERSHIP_RULE
    paddle = next(p for p in data["projects"] if p["name"] == "Paddle")
    assert paddle["repo_count"] == 2
    assert (paddle["repos_joined"], paddle["repos_left"], paddle["repos_created"]) == ([], [], [])
    assert paddle["top_repos"] == {"stars": ["github:PaddlePaddle/Paddle"],
                                   "growth": ["gitee:paddlepaddle/Paddle"]}
    assert all(r["created_at"] is None for p in data["projects"] for r in p["repos"])


def test_ecosystem_report_keeps_every_repo(validator: jsonschema.Draft202012Validator) -> None:
    report = dataclasses.replace(ecosystem_report(), previous=previous(week("2026-W47")))
    data = as_json(report)
    validator.validate(data)
    projects = {p["name"]: p for p in data["projects"]}
    assert sum(len(p["repos"]) for p in data["projects"]) == 2_000
    assert sum(len(p["releases"]) for p in data["projects"]) == 2_000
    assert len(data["issues"]) == len(report.issues) == 53
    paddle = projects["PaddlePaddle"]
    assert paddle["repo_count"] == len(paddle["repos"]) == 400
    assert len(paddle["repos_joined"]) == 20 and len(paddle["repos_left"]) == 8
    assert len(paddle["repos_created"]) == 10  # every one, however many a table shows
    assert len(paddle["top_repos"]["stars"]) == len(paddle["top_repos"]["growth"]) == 10
    created = {r["repo"]: r["created_at"] for r in paddle["repos"]}
    assert all(created[repo].startswith("2026-11-") for repo in paddle["repos_created"])
