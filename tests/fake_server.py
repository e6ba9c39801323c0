"""A loopback OpenAI-compatible chat-completions server for end-to-end tests.

:class:`FakeOpenAIServer` speaks just enough of the OpenAI HTTP API for the real
``openai`` SDK to talk to it over real sockets on ``127.0.0.1``:

* ``POST /v1/chat/completions`` (and the Azure-style
  ``POST /openai/deployments/{deployment}/chat/completions?api-version=...``) answers with
  the next queued :class:`ScriptedReply`: a ``text/event-stream`` of
  ``chat.completion.chunk`` frames when the request has ``"stream": true``, a
  ``chat.completion`` JSON object otherwise, or an error response when the reply's
  ``status`` is not 200.
* ``GET /v1/models`` lists a few models.
* Anything else is a 404 with an OpenAI-style JSON error.

Every request is recorded as a :class:`RecordedRequest` in :attr:`FakeOpenAIServer.requests`.

Wire details worth knowing when writing tests:

* Every response carries ``Connection: close``; streams also use chunked transfer encoding,
  so an abrupt close (``drop_after_chunks``) is a *detectable* truncation on the client
  (an incomplete chunked body) rather than an apparently normal end of the body.
* Stream headers are sent at once; ``first_chunk_delay`` delays the first body frame.
* Waits inside a handler (delays, stalls) wake up when :meth:`FakeOpenAIServer.stop` is
  called, and ``stop()`` force-closes open connections, so it returns promptly.

Only the standard library is used.

Example::

    with FakeOpenAIServer([ScriptedReply(text="Hi!")]) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test")
        ...
"""

from __future__ import annotations

import contextlib
import json
import select
import socket
import socketserver
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self, cast
from urllib.parse import urlsplit

__all__ = [
    "DEFAULT_MODELS",
    "FakeOpenAIServer",
    "LoopbackProxy",
    "ProxiedRequest",
    "RecordedRequest",
    "ScriptedReply",
    "SilentServer",
    "unsupported_param_reply",
]

#: Model ids listed by ``GET /v1/models``.
DEFAULT_MODELS: tuple[str, ...] = ("gpt-4o-mini", "gpt-4o", "o3-mini")

_HOST = "127.0.0.1"
_POLL_INTERVAL = 0.05
_JOIN_TIMEOUT = 2.0
_MALFORMED_FRAME = b"data: {not json\n\n"
_DONE_FRAME = b"data: [DONE]\n\n"

# (type, code) of the default error body for a status, after OpenAI's own errors.
_ERROR_KINDS: dict[int, tuple[str, str | None]] = {
    400: ("invalid_request_error", None),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", None),
    404: ("invalid_request_error", "not_found"),
    429: ("requests", "rate_limit_exceeded"),
}


def _default_usage() -> dict[str, Any]:
    """The default :attr:`ScriptedReply.usage` (token counts are filled in when sent)."""
    return {
        "prompt_tokens": 11,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 0},
    }


@dataclass
class ScriptedReply:
    """What the server does for one chat-completions request.

    The chunk-position options (``drop_after_chunks``, ``stall_after_chunks``,
    ``malformed_after_chunks``) count *content* chunks: ``0`` means right after the
    response headers, and a number at or past the chunk count means after the last
    content chunk (before the usage chunk and ``[DONE]``). For a non-streamed request,
    a drop or stall happens before any response is sent.
    """

    text: str = "Hello from the test server."
    """The assistant's reply."""
    chunk_size: int = 8
    """Characters (not bytes) per streamed content chunk."""
    delay: float = 0.0
    """Seconds to sleep between content chunks."""
    first_chunk_delay: float = 0.0
    """Seconds to sleep before the first chunk (stream headers are sent before it)."""
    usage: dict[str, Any] | None = field(default_factory=_default_usage)
    """Token usage, sent as a final ``choices: []`` chunk when the request asks for
    ``stream_options.include_usage`` (and in every non-streamed response); ``None`` never
    sends usage. Missing ``completion_tokens`` defaults to the number of content chunks and
    missing ``total_tokens`` to ``prompt_tokens + completion_tokens``."""
    status: int = 200
    """HTTP status; anything but 200 sends an error response instead of a completion."""
    error_body: str | None = None
    """Raw error body; ``None`` means an OpenAI-style ``{"error": {...}}`` JSON object."""
    error_content_type: str = "application/json"
    """``Content-Type`` of the error response."""
    headers: dict[str, str] = field(default_factory=dict)
    """Extra response headers (e.g. ``Retry-After``); they override the server's own
    (case-insensitively), including the default ``x-request-id``."""
    drop_after_chunks: int | None = None
    """Close the connection abruptly after this many content chunks (no ``[DONE]``)."""
    stall_after_chunks: int | None = None
    """Stop sending after this many content chunks and keep the connection open until the
    server stops or the client disconnects."""
    malformed_after_chunks: int | None = None
    """Send the line ``data: {not json`` after this many content chunks, then carry on."""
    finish_reason: str = "stop"
    """The ``finish_reason`` of the last chunk (and of a non-streamed reply): ``length``,
    ``content_filter``, ``tool_calls``…"""
    deltas: list[dict[str, Any]] | None = None
    """Raw ``delta`` objects to stream, one chunk each, instead of ``text`` cut into pieces:
    for reasoning fields, ``tool_calls`` split across chunks and the like. A ``logprobs`` key
    in one of them is moved out to its chunk's choice, where OpenAI sends it. The
    non-streamed reply's message is all of them merged (strings concatenated)."""

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise ValueError(f"chunk_size must be at least 1, not {self.chunk_size}")

    def chunks(self) -> list[str]:
        """The content pieces the text is streamed as (at least one, possibly empty)."""
        if self.deltas is not None:
            return [str(d.get("content") or "") for d in self.deltas] or [""]
        size = self.chunk_size
        pieces = [self.text[i : i + size] for i in range(0, len(self.text), size)]
        return pieces or [""]

    def usage_for(self, completion_tokens: int) -> dict[str, Any] | None:
        """:attr:`usage` with the missing token counts filled in, or ``None``."""
        if self.usage is None:
            return None
        usage = dict(self.usage)
        usage.setdefault("prompt_tokens", 0)
        usage.setdefault("completion_tokens", completion_tokens)
        usage.setdefault("total_tokens", usage["prompt_tokens"] + usage["completion_tokens"])
        return usage


@dataclass
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    """The request target, including the query string."""
    headers: dict[str, str]
    """Header names lower-cased; repeated headers are joined with ``", "``."""
    body: dict[str, Any] | None
    """The body parsed as a JSON object, or ``None`` (no body, not JSON, not an object)."""


class _AbandonResponseError(Exception):
    """The client went away (or the server is stopping): abandon the response."""


class _HTTPServer(ThreadingHTTPServer):
    """A threading HTTP server that knows its :class:`FakeOpenAIServer`."""

    daemon_threads = True
    block_on_close = False  # FakeOpenAIServer.stop() joins the handlers, with a deadline

    def __init__(self, fake: FakeOpenAIServer, port: int = 0) -> None:
        self.fake = fake
        super().__init__((_HOST, port), _Handler)

    def server_bind(self) -> None:
        """Bind without HTTPServer's reverse DNS lookup (``socket.getfqdn``), which can hang."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet about clients going away (expected in fault tests); report the rest."""
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """Serves one connection (one request: every response closes the connection)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    timeout = 10.0  # bounds reads of a request that never arrives
    server: _HTTPServer

    # -- plumbing ----------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.server.fake._register_connection(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.fake._unregister_connection(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
            self.wfile.flush()
        except OSError as exc:
            raise _AbandonResponseError from exc

    def _write_chunk(self, data: bytes) -> None:
        """Send ``data`` as one HTTP/1.1 chunk (one SSE frame), flushed at once."""
        self._write(b"%X\r\n%s\r\n" % (len(data), data))

    def _sleep(self, seconds: float) -> None:
        """Sleep, unless the server stops first (then abandon the response)."""
        if seconds > 0 and self.server.fake._stopping.wait(seconds):
            raise _AbandonResponseError

    def _abort(self) -> None:
        """End the connection abruptly: a FIN mid-body, without the final chunk."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _stall(self) -> None:
        """Hold the connection open until the server stops or the client disconnects."""
        stopping = self.server.fake._stopping
        while not stopping.is_set():
            try:
                readable, _, _ = select.select([self.connection], [], [], _POLL_INTERVAL)
                if readable and not self.connection.recv(1, socket.MSG_PEEK):
                    return  # orderly close by the client
            except OSError:
                return  # reset by the client / closed by stop()
            if readable:  # unexpected bytes from the client: don't spin on them
                stopping.wait(_POLL_INTERVAL)

    def _send_head(self, status: int, headers: dict[str, str]) -> None:
        """Send the status line, ``Connection: close`` and ``headers``."""
        try:
            self.send_response(status)
            for name, value in _merge_headers({"Connection": "close"}, headers).items():
                self.send_header(name, value)
            self.end_headers()
        except OSError as exc:
            raise _AbandonResponseError from exc
        self.close_connection = True

    def _send_body(
        self,
        status: int,
        body: bytes,
        content_type: str,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        headers = {
            "Content-Type": content_type,
            "Content-Length": str(len(body)),
            "x-request-id": self._request_id,
        }
        self._send_head(status, _merge_headers(headers, extra_headers or {}))
        self._write(body)

    def _send_json(self, status: int, payload: Any, extra: dict[str, str] | None = None) -> None:
        self._send_body(status, json.dumps(payload).encode(), "application/json", extra)

    # -- request handling ----------------------------------------------------------------

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_PATCH(self) -> None:
        self._handle()

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        try:
            raw = self._read_body()
        except (OSError, ValueError):
            self.close_connection = True
            return
        body: dict[str, Any] | None = None
        with contextlib.suppress(ValueError):
            parsed = json.loads(raw) if raw else None
            if isinstance(parsed, dict):
                body = cast(dict[str, Any], parsed)
        headers: dict[str, str] = {}
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        fake = self.server.fake
        number = fake._record(RecordedRequest(self.command, self.path, headers, body))
        self._request_id = f"req_test_{number}"

        route = urlsplit(self.path).path.rstrip("/")
        default_model = _chat_completions_model(route)
        try:
            if fake.required_key is not None and not _has_key(headers, fake.required_key):
                message = "Incorrect API key provided."
                self._send_json(401, _error_payload(401, message))
            elif (self.command, route) in fake.json_routes:
                self._send_json(200, fake.json_routes[(self.command, route)])
            elif self.command == "POST" and default_model is not None:
                self._chat_completions(body, default_model)
            elif self.command == "GET" and route == "/v1/models":
                self._send_json(200, _models_payload())
            else:
                message = f"Unknown request URL: {self.command} {self.path}."
                self._send_json(404, _error_payload(404, message))
        except _AbandonResponseError:
            self._abort()

    def _chat_completions(self, body: dict[str, Any] | None, default_model: str) -> None:
        if body is None:
            message = "We could not parse the JSON body of your request."
            self._send_json(400, _error_payload(400, message))
            return
        reply = self.server.fake._next_reply()
        if reply.status != 200:
            self._sleep(reply.first_chunk_delay)
            if reply.error_body is None:
                error = json.dumps(_error_payload(reply.status)).encode()
            else:
                error = reply.error_body.encode()
            self._send_body(reply.status, error, reply.error_content_type, reply.headers)
            return
        model = str(body.get("model") or default_model)
        if body.get("stream") is True:
            options = body.get("stream_options")
            include_usage = isinstance(options, dict) and options.get("include_usage") is True
            self._stream(reply, model, include_usage)
        else:
            self._complete(reply, model)

    def _complete(self, reply: ScriptedReply, model: str) -> None:
        """Answer a non-streamed request with one ``chat.completion`` object."""
        self._sleep(reply.first_chunk_delay)
        if reply.drop_after_chunks is not None:
            raise _AbandonResponseError
        if reply.stall_after_chunks is not None:
            self._stall()
            raise _AbandonResponseError
        completion: dict[str, Any] = {
            "id": f"chatcmpl-{self._request_id}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_test",
            "choices": [
                {
                    "index": 0,
                    "message": _whole_message(reply),
                    "logprobs": None,
                    "finish_reason": reply.finish_reason,
                }
            ],
        }
        usage = reply.usage_for(len(reply.chunks()))
        if usage is not None:
            completion["usage"] = usage
        self._send_json(200, completion, reply.headers)

    def _stream(self, reply: ScriptedReply, model: str, include_usage: bool) -> None:
        """Answer a streamed request with server-sent ``chat.completion.chunk`` events."""
        headers = {
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "Transfer-Encoding": "chunked",
            "x-request-id": self._request_id,
        }
        self._send_head(200, _merge_headers(headers, reply.headers))

        pieces = reply.chunks()
        base: dict[str, Any] = {
            "id": f"chatcmpl-{self._request_id}",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_test",
        }
        if include_usage:
            base["usage"] = None  # as OpenAI sends it on every chunk but the usage chunk

        def due(position: int | None, sent: int) -> bool:
            # Positions past the end happen after the last content chunk.
            return position is not None and min(position, len(pieces)) == sent

        self._sleep(reply.first_chunk_delay)
        for sent in range(len(pieces) + 1):
            if due(reply.malformed_after_chunks, sent):
                self._write_chunk(_MALFORMED_FRAME)
            if due(reply.drop_after_chunks, sent):
                raise _AbandonResponseError
            if due(reply.stall_after_chunks, sent):
                self._stall()
                raise _AbandonResponseError
            if sent == len(pieces):
                break
            if sent:
                self._sleep(reply.delay)
            delta: dict[str, Any] = {"content": pieces[sent]}
            if reply.deltas is not None:
                delta = dict(reply.deltas[sent]) if reply.deltas else {"content": ""}
            logprobs = delta.pop("logprobs", None)
            if sent == 0:
                delta = {"role": "assistant", "refusal": None, **delta}
            choice = {
                "index": 0,
                "delta": delta,
                "logprobs": logprobs,
                "finish_reason": reply.finish_reason if sent == len(pieces) - 1 else None,
            }
            self._write_chunk(_frame({**base, "choices": [choice]}))
            self.server.fake.streamed.append((time.monotonic(), pieces[sent]))

        usage = reply.usage_for(len(pieces))
        if include_usage and usage is not None:
            self._write_chunk(_frame({**base, "choices": [], "usage": usage}))
        self._write_chunk(_DONE_FRAME)
        self._write(b"0\r\n\r\n")  # the last chunk: the body is complete


def _whole_message(reply: ScriptedReply) -> dict[str, Any]:
    """The non-streamed ``message``: the text, or every scripted delta merged."""
    if reply.deltas is None:
        return {"role": "assistant", "content": reply.text, "refusal": None}
    message: dict[str, Any] = {"role": "assistant", "content": None, "refusal": None}
    for delta in reply.deltas:
        for key, value in delta.items():
            if key == "logprobs":
                continue
            if isinstance(value, str) and isinstance(message.get(key), str):
                message[key] += value
            elif key == "tool_calls":
                message.setdefault("tool_calls", []).extend(value)
            else:
                message[key] = value
    return message


def _chat_completions_model(route: str) -> str | None:
    """For a chat-completions route, the model to echo when the body names none.

    ``/v1/chat/completions`` gives ``gpt-4o-mini``; the Azure-style
    ``/openai/deployments/{deployment}/chat/completions`` gives the deployment.
    Any other route gives ``None``.
    """
    if route == "/v1/chat/completions":
        return "gpt-4o-mini"
    match route.split("/"):
        case ["", "openai", "deployments", deployment, "chat", "completions"] if deployment:
            return deployment
        case _:
            return None


def _has_key(headers: dict[str, str], key: str) -> bool:
    return headers.get("authorization") == f"Bearer {key}" or headers.get("api-key") == key


def unsupported_param_reply(
    param: str, *, code: str = "unsupported_parameter", message: str | None = None
) -> ScriptedReply:
    """A 400 like OpenAI's for a parameter the model does not take, e.g. ``temperature``."""
    text = message or (
        f"Unsupported parameter: '{param}' is not supported with this model."
        if code == "unsupported_parameter"
        else f"Unsupported value: '{param}' does not support this value with this model."
    )
    body = {
        "error": {"message": text, "type": "invalid_request_error", "param": param, "code": code}
    }
    return ScriptedReply(status=400, error_body=json.dumps(body))


def _merge_headers(*layers: dict[str, str]) -> dict[str, str]:
    """``layers`` merged, later names overriding earlier ones case-insensitively."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[name.lower()] = (name, value)
    return dict(merged.values())


def _frame(payload: dict[str, Any]) -> bytes:
    """One server-sent event carrying ``payload`` as compact JSON (UTF-8, not escaped)."""
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    return f"data: {data}\n\n".encode()


def _models_payload() -> dict[str, Any]:
    return {
        "object": "list",
        "data": [
            {"id": model, "object": "model", "created": 0, "owned_by": "test"}
            for model in DEFAULT_MODELS
        ],
    }


def _error_payload(status: int, message: str | None = None) -> dict[str, Any]:
    """An OpenAI-style error body for ``status``."""
    kind, code = _ERROR_KINDS.get(status, ("server_error" if status >= 500 else "api_error", None))
    return {
        "error": {
            "message": message or f"Scripted error from the test server (HTTP {status}).",
            "type": kind,
            "param": None,
            "code": code,
        }
    }


class FakeOpenAIServer:
    """An OpenAI-compatible HTTP server on ``127.0.0.1`` (a port the OS picks).

    Replies are taken from a queue (:meth:`queue`, or the constructor); when it is empty
    every chat-completions request gets a default :class:`ScriptedReply`. Use it as a
    context manager, or call :meth:`start` and :meth:`stop`. It serves from daemon threads.
    """

    def __init__(
        self,
        replies: list[ScriptedReply] | None = None,
        *,
        port: int = 0,
        default_reply: ScriptedReply | None = None,
        required_key: str | None = None,
    ) -> None:
        self._port = port
        self._default_reply = default_reply or ScriptedReply()
        self.required_key = required_key
        """When set, every request without this key (``Authorization: Bearer`` or Azure's
        ``api-key`` header) gets an OpenAI-style 401, on every route."""
        self.json_routes: dict[tuple[str, str], Any] = {}
        """(method, path) → a JSON body answered with 200, to play another kind of server
        (llama.cpp ``/props``, LiteLLM ``/model/info``, Ollama ``/api/show``…);
        ``("GET", "/v1/models")`` here replaces the default model list."""
        self.requests: list[RecordedRequest] = []
        """Every request received, in order (appended under a lock)."""
        self.streamed: list[tuple[float, str]] = []
        """Every streamed content chunk as (``time.monotonic()`` once written, its text)."""
        self._replies: deque[ScriptedReply] = deque(replies or [])
        self._lock = threading.Lock()
        self._recorded = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._handlers: set[threading.Thread] = set()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> None:
        """Bind a free port on 127.0.0.1 and start serving in a background thread."""
        if self._httpd is not None or self._stopping.is_set():
            raise RuntimeError("FakeOpenAIServer can only be started once")
        self._httpd = _HTTPServer(self, self._port)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": _POLL_INTERVAL},
            name=f"fake-openai-{self.port}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close open connections (including stalled streams).

        Returns within a couple of seconds at worst; calling it again does nothing.
        """
        if self._stopping.is_set():
            return
        self._stopping.set()
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        httpd.shutdown()  # no more accepts: serve_forever polls every _POLL_INTERVAL
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
            handlers = list(self._handlers)
        for connection in connections:  # wakes handlers blocked on the socket
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + _JOIN_TIMEOUT
        for thread in [self._thread, *handlers]:
            if thread is not None:
                thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses -------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("FakeOpenAIServer is not running")
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` — e.g. the ``azure_endpoint`` of an Azure client."""
        return f"http://{_HOST}:{self.port}"

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT/v1`` — the ``base_url`` of an OpenAI client."""
        return f"{self.origin}/v1"

    # -- scripting and inspection ----------------------------------------------------------

    def queue(self, *replies: ScriptedReply) -> None:
        """Add replies for the next chat-completions requests, in order."""
        with self._lock:
            self._replies.extend(replies)

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """A snapshot of :attr:`requests` once at least ``count`` have arrived.

        Raises :class:`TimeoutError` if they have not arrived within ``timeout`` seconds.
        """
        with self._recorded:
            if not self._recorded.wait_for(lambda: len(self.requests) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} request(s) within {timeout} s, got {len(self.requests)}"
                )
            return list(self.requests)

    # -- used by the handler threads -------------------------------------------------------

    def _record(self, request: RecordedRequest) -> int:
        """Record ``request``; its 1-based number."""
        with self._recorded:
            self.requests.append(request)
            self._recorded.notify_all()
            return len(self.requests)

    def _next_reply(self) -> ScriptedReply:
        with self._lock:
            return self._replies.popleft() if self._replies else self._default_reply

    def _register_connection(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)
            self._handlers.add(threading.current_thread())
        if self._stopping.is_set():  # raced with stop(): don't serve it
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def _unregister_connection(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)
            self._handlers.discard(threading.current_thread())


@dataclass
class ProxiedRequest:
    """One request a :class:`LoopbackProxy` received."""

    method: str
    """``CONNECT`` for a tunnel; otherwise the forwarded request's method."""
    target: str
    """``host:port`` for CONNECT, else the absolute URL (``http://127.0.0.1:PORT/v1/…``)."""
    headers: dict[str, str]
    """Header names lower-cased."""


class _Relay:
    """Base of the loopback helpers: a listening socket served by a thread."""

    def __init__(self) -> None:
        self._listener = socket.create_server((_HOST, 0))
        self._port = int(self._listener.getsockname()[1])
        self._listener.settimeout(_POLL_INTERVAL)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []

    @property
    def port(self) -> int:
        """The port it listens on (still known after :meth:`stop`)."""
        return self._port

    def start(self) -> None:
        self._spawn(self._accept_loop)

    def stop(self) -> None:
        """Close the listener and every connection; join the threads (bounded)."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
            threads = list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
        deadline = time.monotonic() + _JOIN_TIMEOUT
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _spawn(self, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()

    def _track(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.add(sock)
        if self._stopping.is_set():
            with contextlib.suppress(OSError):
                sock.close()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._track(client)
            self._accepted(client)

    def _accepted(self, client: socket.socket) -> None:
        raise NotImplementedError


class SilentServer(_Relay):
    """Accepts TCP connections on ``127.0.0.1`` and never answers: what a network that
    silently drops traffic (one that needs a proxy) looks like once connected."""

    @property
    def base_url(self) -> str:
        return f"http://{_HOST}:{self.port}/v1"

    def _accepted(self, client: socket.socket) -> None:
        """Hold the connection open until :meth:`stop` (it is tracked, so it gets closed)."""


class LoopbackProxy(_Relay):
    """A tiny HTTP proxy on ``127.0.0.1`` that records what passes through it.

    It forwards absolute-URI requests (``GET http://127.0.0.1:PORT/v1/models HTTP/1.1``,
    what clients send an HTTP proxy for ``http://`` URLs), tunnels ``CONNECT`` requests
    (for ``https://`` URLs) and speaks SOCKS5 (``socks5://`` + :attr:`url`'s host and port);
    one request per client connection. Only loopback targets are
    allowed: anything else gets ``403``. ``require_auth`` (``"user:password"``) makes it
    answer ``407`` to requests without those ``Proxy-Authorization`` credentials.
    """

    def __init__(self, *, require_auth: str | None = None) -> None:
        super().__init__()
        self.requests: list[ProxiedRequest] = []
        """Every request received, in order."""
        self._require_auth = require_auth

    @property
    def url(self) -> str:
        return f"http://{_HOST}:{self.port}"

    def _accepted(self, client: socket.socket) -> None:
        self._spawn(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        try:
            client.settimeout(10.0)
            if client.recv(1, socket.MSG_PEEK) == b"\x05":
                self._serve_socks5(client)
                return
            head, rest = self._read_head(client)
            if head is None:
                return
            lines = head.decode("latin-1").split("\r\n")
            method, target, version = [*lines[0].split(" ", 2), "", ""][:3]
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                if name:
                    headers[name.strip().lower()] = value.strip()
            with self._lock:
                self.requests.append(ProxiedRequest(method, target, headers))
            if self._require_auth is not None and not self._authorized(headers):
                client.sendall(
                    b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                    b'Proxy-Authenticate: Basic realm="test"\r\nContent-Length: 0\r\n'
                    b"Connection: close\r\n\r\n"
                )
                return
            if method == "CONNECT":
                host, _, port = target.rpartition(":")
                upstream = self._open(host, port)
                if upstream is None:
                    client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    return
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if rest:
                    upstream.sendall(rest)
            else:
                parts = urlsplit(target)
                upstream = self._open(parts.hostname or "", str(parts.port or 80))
                if upstream is None:
                    client.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                    return
                path = parts.path or "/"
                if parts.query:
                    path += f"?{parts.query}"
                kept = [
                    line
                    for line in lines[1:]
                    if line
                    and line.split(":", 1)[0].strip().lower()
                    not in ("proxy-authorization", "proxy-connection", "connection")
                ]
                request = "\r\n".join([f"{method} {path} {version}", *kept, "Connection: close"])
                upstream.sendall(request.encode("latin-1") + b"\r\n\r\n" + rest)
            self._pipe(client, upstream)
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def _serve_socks5(self, client: socket.socket) -> None:
        """A SOCKS5 CONNECT without authentication (RFC 1928), then a byte pipe."""

        def read(count: int) -> bytes:
            data = b""
            while len(data) < count:
                chunk = client.recv(count - len(data))
                if not chunk:
                    raise OSError("SOCKS client went away")
                data += chunk
            return data

        _version, methods = read(2)
        read(methods)
        client.sendall(b"\x05\x00")  # no authentication
        _version, command, _reserved, kind = read(4)
        if kind == 1:
            host = socket.inet_ntoa(read(4))
        elif kind == 3:  # a domain name
            host = read(read(1)[0]).decode("idna")
        else:
            host = socket.inet_ntop(socket.AF_INET6, read(16))
        port = int.from_bytes(read(2), "big")
        with self._lock:
            self.requests.append(ProxiedRequest("SOCKS5", f"{host}:{port}", {}))
        upstream = self._open(host, str(port)) if command == 1 else None
        if upstream is None:
            client.sendall(b"\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00")  # not allowed
            return
        client.sendall(b"\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00")
        self._pipe(client, upstream)

    def _authorized(self, headers: dict[str, str]) -> bool:
        import base64

        expected = base64.b64encode((self._require_auth or "").encode()).decode()
        return headers.get("proxy-authorization") == f"Basic {expected}"

    def _read_head(self, client: socket.socket) -> tuple[bytes | None, bytes]:
        data = b""
        client.settimeout(10.0)
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return None, b""
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        return head, rest

    def _open(self, host: str, port: str) -> socket.socket | None:
        if host.strip("[]") not in (_HOST, "localhost", "::1") or not port.isdigit():
            return None
        upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10.0)
        self._track(upstream)
        return upstream

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        """Copy bytes both ways until either side closes or the proxy stops."""
        sockets = [client, upstream]
        try:
            while not self._stopping.is_set():
                readable, _, _ = select.select(sockets, [], [], _POLL_INTERVAL)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (upstream if sock is client else client).sendall(data)
        finally:
            with contextlib.suppress(OSError):
                upstream.close()


def main(argv: list[str] | None = None) -> int:
    """Serve on a fixed port for trying the app by hand: ``python -m tests.fake_server``."""
    import argparse
    import time

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--delay", type=float, default=0.02, help="seconds between chunks")
    parser.add_argument("--text", default=_MANUAL_REPLY, help="the reply to every prompt")
    args = parser.parse_args(argv)
    reply = ScriptedReply(text=args.text, chunk_size=6, delay=args.delay)
    with FakeOpenAIServer(port=args.port, default_reply=reply) as server:
        print(f"serving on {server.base_url}; ctrl+c stops", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0


_MANUAL_REPLY = """\
## Streaming from the loopback server

This reply comes over **real HTTP** as server-sent events, in small chunks.

1. It has a list,
2. a table:

| a | b |
|---|---|
| 1 | 2 |

```python
def hello() -> str:
    return "world"
```

And a closing paragraph that is long enough to wrap on a narrow terminal, so the layout
can be checked while the text streams in.
"""


if __name__ == "__main__":
    raise SystemExit(main())
