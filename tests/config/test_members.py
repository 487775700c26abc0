"""The membership rule: which repos each project has, from the tracked list and the owners'
listings, by example. (tests/config/test_members_properties.py states the rule generally.)"""

from __future__ import annotations

from dataclasses import dataclass

from monitor.config.members import Assigned, Assignment, assign
from monitor.config.repos import Project, Tracked
from monitor.ids import OwnerId, RepoId

PADDLE = OwnerId("github", "PaddlePaddle")
PADDLE_GITEE = OwnerId("gitee", "paddlepaddle")
MINDSPORE = OwnerId("gitee", "mindspore")


@dataclass(frozen=True)
class Item:
    """A listed repo as a platform describes it (satisfies monitor.config.members.Listed)."""

    repo: RepoId
    platform_id: int | None = None
    fork: bool = False
    archived: bool = False
    private: bool = False


def rid(text: str) -> RepoId:
    return RepoId.parse(text)


def item(text: str, platform_id: int | None = None, **state: bool) -> Item:
    return Item(rid(text), platform_id, **state)


def project(name: str, *, repos: tuple[str, ...] = (), orgs: tuple[OwnerId, ...] = (),
            exclude: tuple[str, ...] = (), forks: bool = False,
            archived: bool = False) -> Project:
    return Project(name, (), tuple(rid(r) for r in repos), orgs, exclude, forks, archived)


def tracked(*projects: Project) -> Tracked:
    return Tracked({}, projects)


def repos_of(assignment: Assignment, name: str) -> list[str]:
    return [str(a.repo) for a in assignment.projects[name]]


def test_named_repos_come_first_then_each_listing_in_its_order() -> None:
    paddle = project("Paddle", repos=("github:someone/extra",), orgs=(PADDLE, PADDLE_GITEE))
    listings = {
        PADDLE: [item("github:PaddlePaddle/Paddle", 1), item("github:PaddlePaddle/PaddleOCR", 2)],
        PADDLE_GITEE: [item("gitee:paddlepaddle/Paddle", 7)],
    }
    assert assign(tracked(paddle), listings).projects["Paddle"] == (
        Assigned(rid("github:someone/extra"), None),
        Assigned(rid("github:PaddlePaddle/Paddle"), PADDLE, 1),
        Assigned(rid("github:PaddlePaddle/PaddleOCR"), PADDLE, 2),
        Assigned(rid("gitee:paddlepaddle/Paddle"), PADDLE_GITEE, 7),
    )


def test_every_project_is_there_in_config_order_even_with_no_members_yet() -> None:
    result = assign(tracked(project("B", orgs=(MINDSPORE,)), project("A", repos=("github:a/a",))),
                    {MINDSPORE: []})
    assert list(result.projects) == ["B", "A"]
    assert result.projects["B"] == ()


def test_a_named_repo_wins_over_another_projects_owner() -> None:
    listings = {PADDLE: [item("github:PaddlePaddle/Paddle", 1), item("github:paddlepaddle/OCR", 2)]}
    result = assign(
        tracked(project("Ecosystem", orgs=(PADDLE,)),
                project("OCR", repos=("github:PaddlePaddle/OCR",))),
        listings,
    )
    assert repos_of(result, "Ecosystem") == ["github:PaddlePaddle/Paddle"]
    assert result.projects["OCR"] == (Assigned(rid("github:PaddlePaddle/OCR"), None),)


def test_a_repo_named_and_listed_in_one_project_counts_once_as_named() -> None:
    paddle = project("Paddle", repos=("github:PaddlePaddle/Paddle",), orgs=(PADDLE,))
    result = assign(tracked(paddle), {PADDLE: [item("github:PaddlePaddle/Paddle", 1)]})
    assert result.projects["Paddle"] == (Assigned(rid("github:PaddlePaddle/Paddle"), None),)


def test_private_repos_are_never_members() -> None:
    listings = {PADDLE: [item("github:PaddlePaddle/secret", private=True)]}
    assert repos_of(assign(tracked(project("P", orgs=(PADDLE,))), listings), "P") == []


def test_forks_and_archived_repos_are_skipped_by_default() -> None:
    listings = {PADDLE: [item("github:PaddlePaddle/fork", fork=True),
                         item("github:PaddlePaddle/old", archived=True)]}
    assert repos_of(assign(tracked(project("P", orgs=(PADDLE,))), listings), "P") == []


def test_forks_join_when_the_project_asks_for_them() -> None:
    listings = {PADDLE: [item("github:PaddlePaddle/fork", fork=True),
                         item("github:PaddlePaddle/old", archived=True)]}
    result = assign(tracked(project("P", orgs=(PADDLE,), forks=True)), listings)
    assert repos_of(result, "P") == ["github:PaddlePaddle/fork"]


def test_archived_repos_join_when_the_project_asks_for_them() -> None:
    listings = {PADDLE: [item("github:PaddlePaddle/fork", fork=True),
                         item("github:PaddlePaddle/old", archived=True)]}
    result = assign(tracked(project("P", orgs=(PADDLE,), archived=True)), listings)
    assert repos_of(result, "P") == ["github:PaddlePaddle/old"]


def test_excluded_repos_are_dropped_ignoring_case() -> None:
    listings = {PADDLE: [item("github:PaddlePaddle/book-docs"), item("github:PaddlePaddle/Paddle")]}
    paddle = project("P", orgs=(PADDLE,), exclude=("GITHUB:paddlepaddle/*-DOCS",))
    assert repos_of(assign(tracked(paddle), listings), "P") == ["github:PaddlePaddle/Paddle"]


def test_exclude_never_drops_a_named_repo() -> None:
    paddle = project("P", repos=("github:PaddlePaddle/book-docs",), exclude=("*-docs",))
    assert repos_of(assign(tracked(paddle), {}), "P") == ["github:PaddlePaddle/book-docs"]


def test_an_owner_whose_listing_failed_is_unlisted_and_adds_nothing() -> None:
    result = assign(tracked(project("P", repos=("github:a/a",), orgs=(PADDLE, PADDLE_GITEE))),
                    {PADDLE: None, PADDLE_GITEE: [item("gitee:paddlepaddle/Paddle")]})
    assert result.unlisted == frozenset({PADDLE})
    assert repos_of(result, "P") == ["github:a/a", "gitee:paddlepaddle/Paddle"]


def test_an_owner_with_no_listing_given_is_unlisted() -> None:
    assert assign(tracked(project("P", orgs=(PADDLE,))), {}).unlisted == frozenset({PADDLE})


def test_listings_of_owners_nobody_tracks_are_ignored() -> None:
    result = assign(tracked(project("P", repos=("github:a/a",))),
                    {PADDLE: [item("github:PaddlePaddle/Paddle")]})
    assert result.projects == {"P": (Assigned(rid("github:a/a"), None),)}
    assert result.unlisted == frozenset()


def test_a_repo_transferred_away_is_still_taken_as_listed() -> None:
    listings = {PADDLE: [item("github:someone-else/moved", 5)]}
    result = assign(tracked(project("P", orgs=(PADDLE,))), listings)
    assert result.projects["P"] == (Assigned(rid("github:someone-else/moved"), PADDLE, 5),)


def test_a_repo_two_owners_list_counts_in_the_first_project_only() -> None:
    other = OwnerId("github", "someone")
    listings = {PADDLE: [item("github:someone/moved", 5)], other: [item("github:someone/moved", 5)]}
    result = assign(tracked(project("A", orgs=(PADDLE,)), project("B", orgs=(other,))), listings)
    assert (repos_of(result, "A"), repos_of(result, "B")) == (["github:someone/moved"], [])


def test_one_platform_id_under_two_names_counts_once() -> None:
    listings = {PADDLE: [item("github:PaddlePaddle/old-name", 5),
                         item("github:PaddlePaddle/new-name", 5)],
                PADDLE_GITEE: [item("gitee:paddlepaddle/Paddle", 5)]}  # ids are per platform
    result = assign(tracked(project("P", orgs=(PADDLE, PADDLE_GITEE))), listings)
    assert repos_of(result, "P") == ["github:PaddlePaddle/old-name", "gitee:paddlepaddle/Paddle"]


def test_repos_without_platform_ids_are_told_apart_by_name() -> None:
    listings = {PADDLE: [item("github:PaddlePaddle/a"), item("github:PaddlePaddle/b"),
                         item("github:PADDLEPADDLE/A")]}
    result = assign(tracked(project("P", orgs=(PADDLE,))), listings)
    assert repos_of(result, "P") == ["github:PaddlePaddle/a", "github:PaddlePaddle/b"]
