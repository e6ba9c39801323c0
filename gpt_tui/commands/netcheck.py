"""Small network probes for ``gpt-tui doctor``: DNS, TCP, TLS, and a proxy's CONNECT.

Each probe has its own time limit (``limit``, in seconds), never raises for network trouble,
and says what went wrong in a :class:`Probe` whose ``failure`` a caller can turn into
advice. Only the hosts it is given are contacted.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urlsplit

Failure = Literal[
    "dns", "refused", "timeout", "unreachable", "tls-cert", "not-tls", "tls", "proxy", "proxy-auth"
]

_HEAD_LIMIT = 64 * 1024


@dataclass(frozen=True, slots=True)
class Probe:
    """The outcome of one probe."""

    ok: bool
    detail: str
    """What was found ("127.0.0.1", "12 ms", "TLSv1.3") or what went wrong, in words."""
    failure: Failure | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """A host and port taken from a URL."""

    scheme: str
    host: str
    port: int

    @classmethod
    def from_url(cls, url: str) -> Target:
        """Raises ``ValueError`` for a URL without a host or with a bad port."""
        parts = urlsplit(url)
        if not parts.hostname:
            raise ValueError(f"no host in {url}")
        scheme = parts.scheme.lower()
        default = {"https": 443, "http": 80, "socks5": 1080, "socks5h": 1080}.get(scheme, 80)
        return cls(scheme, parts.hostname, parts.port or default)

    @property
    def is_address(self) -> bool:
        try:
            ipaddress.ip_address(self.host)
        except ValueError:
            return False
        return True

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


def _ms(started: float) -> str:
    return f"{(time.monotonic() - started) * 1000:.0f} ms"


async def resolve(host: str, limit: float) -> Probe:
    """Resolve ``host`` to addresses."""
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, None, type=socket.SOCK_STREAM), limit)
    except TimeoutError:
        return Probe(False, f"no answer from the DNS resolver within {limit:g} s", "timeout")
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        return Probe(False, f"cannot resolve {host} ({reason})", "dns")
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    shown = ", ".join(addresses[:3]) + (", …" if len(addresses) > 3 else "")
    return Probe(True, shown)


async def connect(target: Target, limit: float) -> Probe:
    """Open (and close) a TCP connection to ``target``."""
    started = time.monotonic()
    try:
        _reader, writer = await asyncio.wait_for(
            asyncio.open_connection(target.host, target.port), limit
        )
    except TimeoutError:
        return _timed_out(target, limit)
    except OSError as exc:
        return _os_failure(exc, target, limit)
    await _close(writer)
    return Probe(True, _ms(started))


async def tls_handshake(target: Target, limit: float, *, proxy: str | None = None) -> Probe:
    """A TLS handshake with ``target`` (certificate checked), directly or through the HTTP
    proxy ``proxy`` (with CONNECT)."""
    context = ssl.create_default_context()
    started = time.monotonic()
    writer: asyncio.StreamWriter | None = None
    try:
        if proxy is None:
            _reader, writer = await asyncio.wait_for(
                asyncio.open_connection(
                    target.host,
                    target.port,
                    ssl=context,
                    server_hostname=target.host,
                    ssl_handshake_timeout=limit,
                ),
                limit,
            )
        else:
            tunnel = await _tunnel(proxy, target, limit)
            if isinstance(tunnel, Probe):
                return tunnel
            writer = tunnel
            await asyncio.wait_for(writer.start_tls(context, server_hostname=target.host), limit)
    except ssl.SSLCertVerificationError as exc:
        why = exc.verify_message or exc.reason or "not trusted"
        return Probe(False, f"the certificate of {target.host} is not trusted ({why})", "tls-cert")
    except ssl.SSLError as exc:
        if writer is not None:
            writer.transport.abort()
        return _ssl_failure(exc, target)
    except (ConnectionResetError, asyncio.IncompleteReadError, EOFError):
        return Probe(False, f"{target} closed the connection during the TLS handshake", "not-tls")
    except TimeoutError:
        if writer is not None:
            writer.transport.abort()
        return Probe(False, f"no TLS handshake with {target} within {limit:g} s", "timeout")
    except OSError as exc:
        return _os_failure(exc, target, limit)
    if writer is None:  # pragma: no cover - every path above sets it or returns
        return Probe(False, "no connection", "tls")
    ssl_object = writer.get_extra_info("ssl_object")
    version = ssl_object.version() if isinstance(ssl_object, ssl.SSLObject) else None
    await _close(writer)
    return Probe(True, f"{version or 'TLS'}, {_ms(started)}")


async def proxy_connect(proxy: str, target: Target, limit: float) -> Probe:
    """Ask the HTTP proxy ``proxy`` for a tunnel to ``target`` (``CONNECT``), then close it."""
    started = time.monotonic()
    try:
        tunnel = await _tunnel(proxy, target, limit)
    except TimeoutError:
        return Probe(False, f"the proxy did not answer within {limit:g} s", "timeout")
    except OSError as exc:
        return _os_failure(exc, Target.from_url(proxy), limit, proxy=True)
    if isinstance(tunnel, Probe):
        return tunnel
    await _close(tunnel)
    return Probe(True, f"tunnel open, {_ms(started)}")


async def _tunnel(proxy: str, target: Target, limit: float) -> asyncio.StreamWriter | Probe:
    """A connection through ``proxy`` to ``target``, or a failed :class:`Probe`."""
    where = Target.from_url(proxy)
    parts = urlsplit(proxy)
    context = ssl.create_default_context() if where.scheme == "https" else None
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(
            where.host, where.port, ssl=context, server_hostname=where.host if context else None
        ),
        limit,
    )
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if parts.username is not None:
        credentials = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        token = base64.b64encode(credentials.encode()).decode()
        lines.append(f"Proxy-Authorization: Basic {token}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), limit)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.transport.abort()
        return Probe(False, "the proxy closed the connection without answering CONNECT", "proxy")
    except TimeoutError:
        writer.transport.abort()
        return Probe(False, f"the proxy did not answer CONNECT within {limit:g} s", "timeout")
    status_line = head[:_HEAD_LIMIT].split(b"\r\n", 1)[0].decode("latin-1")
    fields = status_line.split(" ", 2)
    status = fields[1] if len(fields) > 1 else "?"
    if status == "200":
        return writer
    writer.transport.abort()
    said = status_line.strip() or "nothing"
    if status == "407":
        return Probe(False, f"the proxy wants a user name and password ({said})", "proxy-auth")
    return Probe(False, f"the proxy refused the tunnel to {target} ({said})", "proxy")


def _os_failure(exc: OSError, target: Target, limit: float, *, proxy: bool = False) -> Probe:
    what = "the proxy at " if proxy else ""
    if isinstance(exc, socket.gaierror):
        return Probe(False, f"cannot resolve {target.host} ({exc.strerror or exc})", "dns")
    if isinstance(exc, ConnectionRefusedError):
        return Probe(
            False, f"{what}{target} refused the connection (nothing is listening there)", "refused"
        )
    if isinstance(exc, TimeoutError):
        return _timed_out(target, limit)
    reason = exc.strerror or type(exc).__name__
    return Probe(False, f"cannot reach {what}{target} ({reason})", "unreachable")


def _timed_out(target: Target, limit: float) -> Probe:
    return Probe(False, f"no answer from {target} within {limit:g} s", "timeout")


def _ssl_failure(exc: ssl.SSLError, target: Target) -> Probe:
    reason = (exc.reason or str(exc)).upper()
    if any(s in reason for s in ("WRONG_VERSION_NUMBER", "RECORD_LAYER", "PACKET_LENGTH")):
        return Probe(False, f"{target} does not speak TLS (is it an http:// server?)", "not-tls")
    return Probe(False, f"TLS with {target} failed ({exc.reason or exc})", "tls")


async def _close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError, TimeoutError, ssl.SSLError):
        await asyncio.wait_for(writer.wait_closed(), 1.0)
