"""Owner identifiers, property-based: every valid owner id round-trips through its short form
and its URLs, ``parse_tracked`` never mistakes a repo for an owner or the reverse, and anything
else is refused with an InputError (never another exception)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from monitor.errors import InputError
from monitor.ids import PLATFORM_HOSTS, OwnerId, RepoId, parse_tracked
from tests.test_ids_properties import platforms, repo_ids, segments

owner_ids = st.builds(OwnerId, platforms, segments)

#: The URL spellings ``track`` accepts for one owner.
URL_FORMS = (
    "https://{host}/{owner}",
    "https://{host}/{owner}/",
    "http://{host}/{owner}",
    "https://www.{host}/{owner}",
)


@given(owner_ids)
def test_parsing_the_short_form_gives_the_same_id(owner: OwnerId) -> None:
    assert OwnerId.parse(str(owner)) == owner


@given(owner_ids, st.sampled_from(URL_FORMS))
def test_every_url_form_gives_the_same_id(owner: OwnerId, form: str) -> None:
    url = form.format(host=PLATFORM_HOSTS[owner.platform], owner=owner.owner)
    assert OwnerId.parse(url, allow_url=True) == owner


@given(owner_ids)
def test_a_url_is_refused_where_only_the_short_form_is_allowed(owner: OwnerId) -> None:
    with pytest.raises(InputError):
        OwnerId.parse(f"https://{PLATFORM_HOSTS[owner.platform]}/{owner.owner}")


@given(owner_ids, owner_ids)
def test_keys_are_equal_exactly_when_the_ids_differ_only_in_case(
    a: OwnerId, b: OwnerId
) -> None:
    same = a.platform == b.platform and a.owner.lower() == b.owner.lower()
    assert (a.key == b.key) == same


@given(owner_ids, repo_ids)
def test_an_owner_owns_a_repo_exactly_when_the_repo_key_starts_with_its_key(
    owner: OwnerId, repo: RepoId
) -> None:
    assert owner.owns(repo) == repo.key.startswith(owner.key + "/")


@given(owner_ids, segments)
def test_an_owner_owns_every_repo_under_it(owner: OwnerId, name: str) -> None:
    assert owner.owns(RepoId(owner.platform, owner.owner.swapcase(), name))


@given(owner_ids, st.booleans())
def test_parse_tracked_gives_an_owner_for_an_owner(owner: OwnerId, as_url: bool) -> None:
    text = f"https://{PLATFORM_HOSTS[owner.platform]}/{owner.owner}" if as_url else str(owner)
    assert parse_tracked(text, allow_url=True) == owner


@given(repo_ids)
def test_parse_tracked_gives_a_repo_for_a_repo(repo: RepoId) -> None:
    assert parse_tracked(str(repo)) == repo
    assume(not repo.name.endswith(".git"))
    assert parse_tracked(repo.url, allow_url=True) == repo


@given(st.text(), st.booleans())
def test_any_text_parses_to_its_own_short_form_or_is_refused(text: str, allow_url: bool) -> None:
    try:
        tracked = parse_tracked(text, allow_url=allow_url)
    except InputError:
        return
    if not allow_url:
        assert str(tracked) == text.strip()
    assert parse_tracked(str(tracked)) == tracked
