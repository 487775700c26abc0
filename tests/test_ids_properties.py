"""Repository identifiers, property-based: every valid id round-trips through its short form and
its URLs, and anything else is refused with an InputError (never another exception)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from monitor.errors import InputError
from monitor.ids import PLATFORM_HOSTS, RepoId

#: An owner or a name as the platforms allow them ("." and ".." are never names).
segments = st.from_regex(r"[A-Za-z0-9_.-]{1,100}", fullmatch=True).filter(
    lambda s: s not in {".", ".."}
)
platforms = st.sampled_from(sorted(PLATFORM_HOSTS))
repo_ids = st.builds(RepoId, platforms, segments, segments)

#: A URL's trailing ".git" is the clone suffix, not part of the name, so URL names never end in it.
url_ids = st.builds(RepoId, platforms, segments, segments.filter(lambda s: not s.endswith(".git")))

#: The URL spellings ``track`` accepts for one repo.
URL_FORMS = (
    "https://{host}/{path}",
    "https://{host}/{path}/",
    "https://{host}/{path}.git",
    "https://{host}/{path}.git/",
    "http://{host}/{path}",
    "https://www.{host}/{path}",
)


@given(repo_ids)
def test_parsing_the_short_form_gives_the_same_id(repo: RepoId) -> None:
    assert RepoId.parse(str(repo)) == repo


@given(repo_ids)
def test_urls_are_accepted_wherever_the_short_form_is(repo: RepoId) -> None:
    assert RepoId.parse(str(repo), allow_url=True) == repo


@given(url_ids, st.sampled_from(URL_FORMS))
def test_every_url_form_gives_the_same_id(repo: RepoId, form: str) -> None:
    url = form.format(host=PLATFORM_HOSTS[repo.platform], path=repo.full_name)
    assert RepoId.parse(url, allow_url=True) == repo


@given(url_ids)
def test_the_url_property_parses_back_to_the_id(repo: RepoId) -> None:
    assert RepoId.parse(repo.url, allow_url=True) == repo


@given(repo_ids)
def test_a_url_is_refused_where_only_the_short_form_is_allowed(repo: RepoId) -> None:
    with pytest.raises(InputError):
        RepoId.parse(repo.url)


@given(st.from_regex(r"[a-z]{1,12}", fullmatch=True), segments, segments)
def test_an_unknown_platform_is_refused(platform: str, owner: str, name: str) -> None:
    assume(platform not in PLATFORM_HOSTS)
    with pytest.raises(InputError):
        RepoId.parse(f"{platform}:{owner}/{name}")


@given(url_ids, st.from_regex(r"[a-z0-9]{1,20}\.(com|org|net)", fullmatch=True))
def test_a_url_on_another_host_is_refused(repo: RepoId, host: str) -> None:
    assume(host not in PLATFORM_HOSTS.values())
    with pytest.raises(InputError):
        RepoId.parse(f"https://{host}/{repo.full_name}", allow_url=True)


@given(repo_ids, st.sampled_from([".", ".."]), st.booleans())
def test_dot_segments_are_refused(repo: RepoId, dots: str, as_owner: bool) -> None:
    owner, name = (dots, repo.name) if as_owner else (repo.owner, dots)
    with pytest.raises(InputError):
        RepoId.parse(f"{repo.platform}:{owner}/{name}")


@given(st.text(), st.booleans())
def test_any_text_parses_to_its_own_short_form_or_is_refused(text: str, allow_url: bool) -> None:
    try:
        repo = RepoId.parse(text, allow_url=allow_url)
    except InputError:
        return
    if not allow_url:
        assert str(repo) == text.strip()
    assert RepoId.parse(str(repo)) == repo
