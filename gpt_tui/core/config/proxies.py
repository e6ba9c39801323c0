"""Proxy URLs: validating a profile's ``proxy``, showing it safely, and finding the proxy
the environment (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``) applies to a URL.

The SDK's HTTP client reads those variables itself; :func:`environment_proxy` follows the
same rules so ``gpt-tui doctor`` can say which proxy a request will go through.
"""

from __future__ import annotations

import importlib.util
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
SOCKS_SCHEMES = ("socks5", "socks5h")
SOCKS_PACKAGE_HINT = "SOCKS proxies need the 'socksio' package: pip install socksio"


@dataclass(frozen=True, slots=True)
class ProxyChoice:
    """The proxy a request goes through and where that was decided."""

    url: str
    source: str
    """"profiles.work.proxy", "$HTTPS_PROXY"…"""

    @property
    def shown(self) -> str:
        return mask_url(self.url)

    @property
    def is_socks(self) -> bool:
        return self.url.lower().startswith(SOCKS_SCHEMES)


def proxy_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a proxy address, or ``None`` if it can."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in PROXY_SCHEMES:
        return "must start with http://, https://, socks5:// or socks5h://"
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return "is not a valid URL (check the port)"
    return None if host else "must include a host name, e.g. http://proxy.example:3128"


def socks_available() -> bool:
    """Whether SOCKS proxies can be used (the ``socksio`` package is installed)."""
    return importlib.util.find_spec("socksio") is not None


def mask_url(url: str) -> str:
    """``url`` with any password replaced by ``•••`` (proxy URLs may carry credentials)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(invalid URL)"
    if parts.password is None and "@" not in parts.netloc:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        port = ""
    userinfo = f"{user}:•••@" if parts.password is not None else f"{user}@"
    return urlunsplit((parts.scheme, userinfo + host + port, parts.path, parts.query, ""))


def environment_proxy(url: str, env: Mapping[str, str]) -> ProxyChoice | None:
    """The proxy the environment applies to requests for ``url``, or ``None``.

    ``https_proxy``/``HTTPS_PROXY`` for https URLs, ``http_proxy``/``HTTP_PROXY`` for http
    ones, ``all_proxy``/``ALL_PROXY`` for both (lower-case names win, as in urllib and
    httpx); ``NO_PROXY`` lists hosts, domains (``.example.com``), IP addresses or
    networks to reach directly, ``*`` for all.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if not host or _bypassed(host, _env_get(env, "no_proxy") or ""):
        return None
    for name in (f"{scheme}_proxy", "all_proxy"):
        value = _env_get(env, name)
        if value:
            variable = next(v for v in (name, name.upper()) if v in env and env[v].strip() == value)
            return ProxyChoice(value if "://" in value else f"http://{value}", f"${variable}")
    return None


def _env_get(env: Mapping[str, str], name: str) -> str | None:
    for variable in (name, name.upper()):
        value = env.get(variable, "").strip()
        if value:
            return value
    return None


def _bypassed(host: str, no_proxy: str) -> bool:
    address = _ip(host)
    for raw in no_proxy.split(","):
        entry = raw.strip().lower()
        if not entry:
            continue
        if entry == "*":
            return True
        if "://" in entry:
            entry = urlsplit(entry).hostname or ""
        entry = entry.removeprefix("*").lstrip(".") if not entry.startswith("[") else entry
        entry = entry.strip("[]")
        if address is not None:
            try:
                if address in ipaddress.ip_network(entry, strict=False):
                    return True
            except ValueError:
                pass
            continue
        if entry and (host == entry or host.endswith("." + entry)):
            return True
    return False


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None
