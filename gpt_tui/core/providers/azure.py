"""Azure OpenAI through the SDK's ``AsyncAzureOpenAI``.

Requests go to ``{endpoint}/openai/deployments/{deployment}/chat/completions?api-version=…``
with the key in the ``api-key`` header, or a Microsoft Entra ID token (``Authorization:
Bearer``) printed by the profile's ``ad_token_cmd``. gpt-tui works with model names
("gpt-4o"): the profile's ``deployments`` table maps each to its deployment name, so prices,
token counting and capabilities keep working; a model not in the table is used as the
deployment name.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import time
from typing import TYPE_CHECKING, Any

from gpt_tui.core.domain.message import ErrorInfo
from gpt_tui.core.providers.base import ModelList, ProviderError
from gpt_tui.core.providers.openai_client import OpenAIProvider
from gpt_tui.core.providers.server_info import ServerWindow

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from gpt_tui.core.config.types import ProviderSettings

TOKEN_REFRESH_MARGIN = 300.0
"""Seconds before a token's expiry at which the command is run again."""
TOKEN_FALLBACK_LIFETIME = 600.0
"""How long a token whose expiry cannot be read is reused."""


class AdTokenCommand:
    """An ``azure_ad_token_provider`` that runs a command and caches the token it prints.

    The token is reused until 5 minutes before the expiry written in it (a JWT's ``exp``),
    or for 10 minutes when that cannot be read.
    """

    def __init__(self, command: str, table: str) -> None:
        self._command = command
        self._table = table
        self._token: str | None = None
        self._expires = 0.0
        self._lock = asyncio.Lock()

    async def __call__(self) -> str:
        async with self._lock:
            if self._token is not None and time.time() < self._expires - TOKEN_REFRESH_MARGIN:
                return self._token
            from gpt_tui.core.config.secretcmd import SecretCommandError, run_secret_command

            try:
                token = await asyncio.to_thread(run_secret_command, self._command)
            except SecretCommandError as exc:
                raise ProviderError(
                    ErrorInfo(
                        f"Could not get an Azure AD token: {exc}",
                        f"Check {self._table}.ad_token_cmd (for example: az account "
                        "get-access-token --resource https://cognitiveservices.azure.com "
                        "--query accessToken -o tsv), or set an api_key instead.",
                    )
                ) from None
            self._token = token
            self._expires = jwt_expiry(token) or time.time() + TOKEN_FALLBACK_LIFETIME
            return token


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (seconds since the epoch), or ``None``."""
    parts = token.split(".")
    if len(parts) != 3:  # header.payload.signature
        return None
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, binascii.Error):
        return None
    exp = claims.get("exp") if isinstance(claims, dict) else None
    return float(exp) if isinstance(exp, int | float) and not isinstance(exp, bool) else None


class AzureProvider(OpenAIProvider):
    """Streams replies from an Azure OpenAI resource (see the module docstring)."""

    def __init__(self, settings: ProviderSettings, *, trust_env: bool = True) -> None:
        super().__init__(settings, trust_env=trust_env)
        self._token = (
            AdTokenCommand(settings.ad_token_cmd, settings.table)
            if settings.ad_token_cmd and not settings.api_key
            else None
        )

    def _make_client(self) -> AsyncOpenAI:
        from openai import AsyncAzureOpenAI

        settings = self._settings
        if not settings.endpoint:
            raise ProviderError(
                ErrorInfo(
                    f"The Azure profile '{settings.name}' has no endpoint",
                    f'Set {settings.table}.endpoint = "https://RESOURCE.openai.azure.com" '
                    "(or AZURE_OPENAI_ENDPOINT).",
                )
            )
        if not settings.api_key and self._token is None:
            raise self._missing_key()
        client = AsyncAzureOpenAI(
            azure_endpoint=settings.endpoint,
            api_version=settings.api_version,
            api_key=settings.api_key if self._token is None else None,
            azure_ad_token_provider=self._token,
            organization=settings.organization,
            project=settings.project,
            timeout=settings.timeout,
            max_retries=0,  # retried by ``stream``, visibly (providers/retries.py)
            default_headers=dict(settings.headers) or None,
            http_client=self._http_client(),
        )
        client.organization = settings.organization
        client.project = settings.project
        return client

    def _map_model(self, kwargs: dict[str, Any]) -> dict[str, Any]:
        return {**kwargs, "model": self._settings.deployment_for(str(kwargs["model"]))}

    async def server_window(self, model: str) -> ServerWindow | None:
        """Azure says nothing about windows on its data plane (the price list knows them)."""
        return None

    async def list_models(self) -> ModelList:
        """The profile's ``models`` and ``deployments``: Azure's data-plane API lists the
        models a resource could deploy, not its deployments, so the server is not asked."""
        configured = self.configured_models()
        reason = (
            "Azure lists deployments only in its management API: add your models to "
            f"{self._settings.table}.deployments (model = deployment) or .models"
        )
        return ModelList(self._settings.name, configured, (), reason)
