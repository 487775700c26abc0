"""The one URL rule (monitor/reports/links.py): a property beside test_render's examples."""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from monitor.reports.links import DEFAULT_LINK_HOSTS, safe_url

urls = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda scheme, host, path: f"{scheme}://{host}/{path}",
        st.sampled_from(["http", "https", "HTTPS", "javascript", "data", "ftp"]),
        st.sampled_from(["github.com", "gitee.com", "GitHub.com", "evil.example",
                         "github.com@evil.example", "github.com.evil.example"]),
        st.text(max_size=20),
    ),
)


@given(urls)
def test_a_url_survives_unchanged_only_as_an_http_page_of_a_platform(url: str) -> None:
    got = safe_url(url)
    if got is not None:
        parts = urlsplit(got)
        assert got == url
        assert parts.scheme.lower() in ("http", "https")
        assert (parts.hostname or "").rstrip(".") in DEFAULT_LINK_HOSTS
        assert "@" not in parts.netloc and not any(c in got for c in " \"'<>`\\")


def test_a_release_url_is_checked_against_its_own_platform() -> None:
    url = "https://gitee.com/a/b/releases/v1"
    assert safe_url(url, {"gitee.com"}) == url
    assert safe_url(url, {"github.com"}) is None
