"""Shared pytest fixtures."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_server import FakeOpenAIServer


@pytest.fixture
def fake_server() -> Iterator[FakeOpenAIServer]:
    """A running :class:`FakeOpenAIServer` (default replies unless a test queues others)."""
    with FakeOpenAIServer() as server:
        yield server
