"""What the HTTP layer needs to know about a URL: its host, whether it is loopback or a local
file, and whether a redirect from one URL to another stays inside the same site."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import tldextract

# suffix_list_urls=() so tldextract never goes online: it uses its bundled snapshot. Private
# suffixes on, so two *.github.io sites count as different registrable domains.
_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


def hostname(netloc: str) -> str:
    return (urlsplit("//" + netloc).hostname or "").lower()


def is_loopback(netloc: str) -> bool:
    name = hostname(netloc)
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def proxies_for(host: str) -> dict[str, Any] | None:
    # Loopback traffic must never be sent through an environment proxy.
    return {"http": None, "https": None} if is_loopback(host) else None


def _is_ip_or_local(name: str) -> bool:
    if name in ("localhost", ""):
        return True
    try:
        ipaddress.ip_address(name.strip("[]"))
        return True
    except ValueError:
        return False


def same_site(url_a: str, url_b: str) -> bool:
    """True if a redirect from ``url_a`` to ``url_b`` stays inside the registrable domain.

    IP and localhost hosts have no registrable domain: only the very same host:port counts.
    An https -> http downgrade never counts.
    """
    a, b = urlsplit(url_a), urlsplit(url_b)
    if b.scheme not in ("http", "https") or (a.scheme == "https" and b.scheme == "http"):
        return False
    host_a, host_b = (a.hostname or "").lower(), (b.hostname or "").lower()
    if _is_ip_or_local(host_a) or _is_ip_or_local(host_b):
        return a.netloc.lower() == b.netloc.lower()
    dom_a = _TLD(host_a).top_domain_under_public_suffix
    dom_b = _TLD(host_b).top_domain_under_public_suffix
    if not dom_a or not dom_b:
        return host_a == host_b
    return dom_a == dom_b


def is_local(url: str) -> bool:
    """A ``file://`` URL or a plain path (``C:/...`` included), read from disk, not fetched."""
    scheme = urlsplit(url).scheme.lower()
    return scheme == "file" or scheme == "" or (len(scheme) == 1 and url[1:3] in (":\\", ":/"))


def local_path(url: str) -> Path:
    parts = urlsplit(url)
    if parts.scheme.lower() == "file":
        return Path(unquote(parts.path))
    return Path(url)


def host_key(url: str) -> str:
    """What requests are grouped by: one worker per host, one for every local file."""
    return "file:" if is_local(url) else urlsplit(url).netloc.lower()
