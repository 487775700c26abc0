"""The membership rule, property-based: for any valid tracked list and any listings (repos
listed twice, under other owners, renamed, private, forks, archived, excluded, failed
listings), :func:`assign` places each repo once, by the rule in monitor/config/members.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from hypothesis import given
from hypothesis import strategies as st

from monitor.config.members import Assigned, Assignment, assign
from monitor.config.repos import Project, Tracked
from monitor.ids import OwnerId, RepoId
from tests.config.test_members import Item

Listings = Mapping[OwnerId, Sequence[Item] | None]

#: Few names, in two cases, so that collisions (ignoring case) are common.
platforms = st.sampled_from(["github", "gitee"])
owner_names = st.sampled_from(["a", "A", "b", "c"])
repo_names = st.sampled_from(["x", "X", "y", "z-docs", "w"])
owners = st.builds(OwnerId, platforms, owner_names)
repos = st.builds(RepoId, platforms, owner_names, repo_names)
globs = st.sampled_from(["*-docs", "github:a/*", "*:*/x", "gitee:?/w", "github:[bc]/y"])
#: Mostly plain public repos, so that most cases place many repos and collide often.
flags = st.sampled_from([False, False, False, True])
items = st.builds(Item, repos, st.none() | st.integers(1, 4), flags, flags, flags)


@st.composite
def tracked_lists(draw: st.DrawFn) -> Tracked:
    """A valid tracked list: every repo and every owner once in the whole file."""
    owner_list = draw(st.lists(owners, min_size=1, max_size=5, unique_by=lambda o: o.key))
    named = draw(st.lists(repos, max_size=6, unique_by=lambda r: r.key))
    count = draw(st.integers(1, 4))
    where = st.integers(0, count - 1)
    owner_at = [draw(where) for _ in owner_list]
    named_at = [draw(where) for _ in named]
    projects = []
    for index in range(count):
        project_orgs = tuple(o for o, at in zip(owner_list, owner_at, strict=True) if at == index)
        project_repos = tuple(r for r, at in zip(named, named_at, strict=True) if at == index)
        projects.append(Project(
            f"p{index}", (), project_repos, project_orgs,
            tuple(draw(st.lists(globs, max_size=2))), draw(st.booleans()), draw(st.booleans()),
        ))
    return Tracked({}, tuple(projects))


@st.composite
def cases(draw: st.DrawFn) -> tuple[Tracked, Listings]:
    tracked = draw(tracked_lists())
    candidates = [*tracked.owners(), *draw(st.lists(owners, max_size=2))]
    listings: dict[OwnerId, Sequence[Item] | None] = {}
    for owner in candidates:
        if draw(st.booleans()) or owner not in listings:
            listings[owner] = draw(st.lists(items, max_size=10) | st.none())
    if draw(flags) and listings:
        listings.pop(draw(st.sampled_from(sorted(listings))))  # an owner not listed at all
    return tracked, listings


def members_of(result: Assignment) -> list[Assigned]:
    return [member for members in result.projects.values() for member in members]


def wanted(project: Project, listed: Item) -> bool:
    """Public, a fork or archived only if the project asks, and matched by no exclude."""
    return (not listed.private and (project.forks or not listed.fork)
            and (project.archived or not listed.archived) and not project.excludes(listed.repo))


@given(cases())
def test_no_repo_is_in_two_projects_or_twice_in_one(case: tuple[Tracked, Listings]) -> None:
    result = assign(*case)
    members = members_of(result)
    assert len({m.repo.key for m in members}) == len(members)
    known = [(m.repo.platform, m.platform_id) for m in members if m.platform_id is not None]
    assert len(set(known)) == len(known)


@given(cases())
def test_a_named_repo_is_in_its_own_project_first_with_no_owner(
    case: tuple[Tracked, Listings],
) -> None:
    tracked, listings = case
    result = assign(tracked, listings)
    for project in tracked.projects:
        named = result.projects[project.name][: len(project.repos)]
        assert [(m.repo, m.via) for m in named] == [(r, None) for r in project.repos]
        assert all(m.via is not None for m in result.projects[project.name][len(project.repos):])


@given(cases())
def test_every_listed_member_is_wanted_by_its_project(case: tuple[Tracked, Listings]) -> None:
    tracked, listings = case
    result = assign(tracked, listings)
    for project in tracked.projects:
        for member in result.projects[project.name]:
            if member.via is None:
                continue
            assert member.via in project.orgs
            listing = listings.get(member.via)
            assert listing is not None
            matches = [i for i in listing
                       if i.repo == member.repo and i.platform_id == member.platform_id]
            assert any(not i.private for i in matches)  # private never
            assert any(wanted(project, i) for i in matches)  # forks, archived only if asked
            assert not project.excludes(member.repo)  # excluded never


@given(cases())
def test_owners_without_a_listing_are_unlisted_and_add_nothing(
    case: tuple[Tracked, Listings],
) -> None:
    tracked, listings = case
    result = assign(tracked, listings)
    assert result.unlisted == {o for o in tracked.owners() if listings.get(o) is None}
    assert not any(m.via in result.unlisted for m in members_of(result))


@given(cases())
def test_every_wanted_listed_repo_is_placed_somewhere(case: tuple[Tracked, Listings]) -> None:
    tracked, listings = case
    result = assign(tracked, listings)
    members = members_of(result)
    keys = {m.repo.key for m in members}
    ids = {(m.repo.platform, m.platform_id) for m in members if m.platform_id is not None}
    for project in tracked.projects:
        for owner in project.orgs:
            for listed in listings.get(owner) or ():
                if wanted(project, listed):
                    assert listed.repo.key in keys or (
                        listed.platform_id is not None
                        and (listed.repo.platform, listed.platform_id) in ids
                    )


@given(cases())
def test_listed_members_follow_the_owners_order_then_the_listings(
    case: tuple[Tracked, Listings],
) -> None:
    tracked, listings = case
    result = assign(tracked, listings)
    assert list(result.projects) == [p.name for p in tracked.projects]
    for project in tracked.projects:
        positions = []
        for member in result.projects[project.name][len(project.repos):]:
            assert member.via is not None
            listing = listings[member.via]
            assert listing is not None
            first = next(i for i, listed in enumerate(listing)
                         if listed.repo == member.repo and listed.platform_id == member.platform_id
                         and wanted(project, listed))
            positions.append((project.orgs.index(member.via), first))
        assert positions == sorted(positions)
        assert len(set(positions)) == len(positions)


@given(cases())
def test_the_same_input_gives_the_same_assignment(case: tuple[Tracked, Listings]) -> None:
    tracked, listings = case
    assert assign(tracked, listings) == assign(tracked, dict(reversed(list(listings.items()))))


