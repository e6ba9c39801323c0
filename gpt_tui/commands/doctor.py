"""``gpt-tui doctor``: check the setup step by step and say how to fix what is wrong.

Prints a checklist — ✓ good, ✗ a problem (with the fix: the exact variable or config key),
! worth knowing — and exits 0 when nothing failed, 1 otherwise:

1. the config file parses (each problem with its line);
2. which profile, kind and URL are used, and where the key comes from (masked);
3. the proxy that applies (the profile's ``proxy``, else the environment's);
4. DNS, TCP and (for https) TLS to the server, directly and through the proxy;
5. the API: ``GET /models`` with the key (Azure: a 1-token request to the deployment);
6. the model is one the server lists, and its context window (and where it came from);
7. offline data: the tokenizer files and the price data.

Network checks only contact the profile's host and its proxy, each with a short time limit
(``--timeout``, 5 s by default), and the SDK's automatic retries are off."""

from __future__ import annotations

import argparse
import asyncio
import difflib
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from gpt_tui.commands.checklist import Report
from gpt_tui.commands.doctor_window import check_window
from gpt_tui.commands.netcheck import Probe, Target, connect, proxy_connect, resolve, tls_handshake
from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.model_choice import default_model_choice
from gpt_tui.core.config.proxies import ProxyChoice, environment_proxy, socks_available
from gpt_tui.core.config.types import (
    ConfigProblem,
    ProfileNotFound,
    ProviderSettings,
    Settings,
    select_profile,
)
from gpt_tui.core.domain.conversation import DEMO_MODEL
from gpt_tui.core.params.capabilities import capabilities_for
from gpt_tui.core.providers.base import ProviderError
from gpt_tui.core.providers.errors import describe_error, is_timeout, key_fix, url_key
from gpt_tui.paths import Paths, display_path

if TYPE_CHECKING:
    from gpt_tui.core.providers.openai_client import OpenAIProvider

DEFAULT_TIMEOUT = 5.0
_MODELS_SHOWN = 8
_LIST_MODELS = "GET /models"


def run(command: str, argv: Sequence[str], env: Mapping[str, str]) -> int:
    """Run ``gpt-tui doctor``; 0 when every check passed, 1 otherwise."""
    args = _parse_args(command, argv)
    report = Report(sys.stdout)
    doctor = Doctor(Paths.resolve(args.data_dir, env), env, report, args)
    try:
        asyncio.run(doctor.run())
    except KeyboardInterrupt:
        report.line("\nStopped.")
        return 1
    return 0 if report.failures == 0 else 1


def _parse_args(command: str, argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=f"gpt-tui {command}",
        description=(
            "Check the configuration, the network path to the server, the API key and the "
            "model, and say how to fix each problem. Exit status 0 when all is well."
        ),
    )
    parser.add_argument("--data-dir", metavar="DIR", type=Path, help="as for gpt-tui")
    parser.add_argument(
        "--profile", metavar="NAME", help="check this profile (default: the one in use)"
    )
    parser.add_argument(
        "--model", metavar="NAME", help="check this model (default: config's model)"
    )
    parser.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        help=f"time limit of each network check (default {DEFAULT_TIMEOUT:g})",
    )
    return parser.parse_args(list(argv))


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number of seconds") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("must be between 0 and 600 seconds")
    return value


@dataclass(frozen=True, slots=True)
class _Route:
    """How requests reach the server: the target, and the proxy if any."""

    target: Target
    proxy: ProxyChoice | None


class Doctor:
    """The checks, in order; each prints its own lines."""

    def __init__(
        self, paths: Paths, env: Mapping[str, str], report: Report, args: argparse.Namespace
    ) -> None:
        self.paths = paths
        self.env = env
        self.report = report
        self.args = args
        self.limit: float = args.timeout
        self.secrets: list[str] = []
        self.model: str | None = args.model

    async def run(self) -> None:
        report = self.report
        report.line("gpt-tui doctor")
        settings = self.check_config()
        profile = self.check_profile(settings)
        if profile is not None:
            settings = select_profile(settings, profile.name)  # what the app would use
            model = self.model = self.check_model_choice(settings)
            route = self.check_proxy(profile)
            reachable = await self.check_network(profile, route) if route else False
            await self.check_api(profile, route, model, reachable=reachable)
            await check_window(
                report, settings, self._provider(profile, route) if reachable else None, model
            )
        self.check_offline_data(settings)
        report.line()
        if report.failures:
            noun = "problem" if report.failures == 1 else "problems"
            report.line(f"{report.failures} {noun} found: see the fixes above.")
        else:
            report.line(
                "All checks passed." + (" (See the notes marked !.)" if report.warnings else "")
            )

    # 1. Configuration ----------------------------------------------------------------------

    def check_config(self) -> Settings:
        report = self.report
        path = self.paths.config_file
        report.section("Configuration")
        settings, problems = load_settings(path, self.env)
        shown = display_path(path)
        if not path.exists():
            report.ok(f"no config file at {shown}: using the environment and defaults")
        elif not problems:
            report.ok(f"config file {shown} parses, no problems")
        for problem in problems:
            self._config_problem(problem)
        for profile in settings.profiles.values():
            self.secrets.extend(profile.secrets)
        return settings

    def _config_problem(self, problem: ConfigProblem) -> None:
        where = display_path(problem.path)
        if problem.line is not None:
            where += f", line {problem.line}"
        if problem.key is None:
            text = f"{where}: {problem.message}"
            fix = "fix the file (gpt-tui ignores it until then), or move it away to start afresh"
        else:
            text = f"{where}, {problem.key}: {problem.message}"
            fix = f"correct or remove {problem.key} in {display_path(problem.path)}"
        if "chmod" in problem.message:
            self.report.warn(text)
        else:
            self.report.fail(text, fix)

    # 2. Profile, key and model ------------------------------------------------------------

    def check_profile(self, settings: Settings) -> ProviderSettings | None:
        report = self.report
        report.section("Profile")
        if self.args.profile:
            try:
                settings = select_profile(settings, self.args.profile)
            except ProfileNotFound as exc:
                report.fail(str(exc), "name one of those profiles, or leave out --profile")
                return None
        profile = settings.provider
        others = [name for name in settings.profiles if name != profile.name]
        chosen = "--profile" if self.args.profile else _why_default(settings)
        details = [f"other profiles: {', '.join(others)}"] if others else []
        where = profile.url
        report.ok(
            f"profile '{profile.name}' ({chosen}): kind {profile.effective_kind}, {where}",
            *details,
        )
        if profile.effective_kind == "azure":
            report.ok(f"Azure api-version {profile.api_version}")
            if profile.deployments:
                mapped = ", ".join(f"{m} → {d}" for m, d in profile.deployments.items())
                report.ok(f"deployments: {mapped}")
        self._check_key(profile)
        return profile

    def _check_key(self, profile: ProviderSettings) -> None:
        report = self.report
        if profile.api_key:
            report.ok(f"API key {profile.masked_key} from {profile.key_source}")
        elif profile.ad_token_cmd:
            report.ok(f"Microsoft Entra ID token from {profile.key_source} (checked below)")
        elif profile.effective_kind == "compatible":
            report.warn(
                "no API key: fine for local servers that need none",
                f"if the server wants one: {key_fix(profile)}",
            )
        elif not profile.configured:
            report.fail(
                "No API key provided",
                f"{key_fix(profile)}; for a local server set {url_key(profile)} instead",
            )
        else:
            report.fail("No API key provided", key_fix(profile))

    def check_model_choice(self, settings: Settings) -> str:
        choice = default_model_choice(self.args.model, settings)  # what new chats start on
        caps = capabilities_for(choice.model)
        kind = f"reasoning model ({caps.family})" if caps.reasoning else "chat model"
        notes = caps.notes() if caps.reasoning else []
        if choice.model == DEMO_MODEL:
            kind = "the offline demo model: needs no server"
        self.report.ok(f"model {choice.model} ({choice.why}): {kind}", *notes)
        return choice.model

    # 3. Proxy -----------------------------------------------------------------------------

    def check_proxy(self, profile: ProviderSettings) -> _Route | None:
        report = self.report
        if not profile.configured:
            return None
        try:
            target = Target.from_url(profile.url)
        except ValueError:
            report.fail(
                f"the server URL {profile.url} has no usable host", f"fix {url_key(profile)}"
            )
            return None
        if profile.proxy:
            proxy: ProxyChoice | None = ProxyChoice(profile.proxy, f"{profile.table}.proxy")
        else:
            proxy = environment_proxy(profile.url, self.env)
        if proxy is None:
            report.ok("proxy: none, requests go directly to the server")
        elif proxy.is_socks and not socks_available():
            report.fail(
                f"proxy {proxy.shown} (from {proxy.source}) needs SOCKS support",
                "pip install socksio (or use an http:// proxy)",
            )
        else:
            report.ok(f"proxy: {proxy.shown} (from {proxy.source})")
        return _Route(target, proxy)

    # 4. Network ---------------------------------------------------------------------------

    async def check_network(self, profile: ProviderSettings, route: _Route) -> bool:
        """DNS, TCP and TLS, directly and via the proxy; whether the server looks reachable."""
        report = self.report
        target, proxy = route.target, route.proxy
        report.section(f"Network ({target}, at most {self.limit:g} s per check)")
        direct = await self._direct(profile, target, expect_failure=proxy is not None)
        if proxy is None:
            return direct
        return await self._via_proxy(profile, target, proxy)

    async def _direct(
        self, profile: ProviderSettings, target: Target, *, expect_failure: bool
    ) -> bool:
        report = self.report
        label = "directly: " if expect_failure else ""

        def failed(what: str, probe: Probe) -> bool:
            text = f"{label}{what}: {probe.detail}"
            if expect_failure:
                report.warn(text, None, "(expected if this network only lets the proxy out)")
            else:
                report.fail(text, self._network_fix(profile, probe, proxy=None))
            return False

        if target.is_address:
            report.ok(f"{label}DNS: not needed ({target.host} is an IP address)")
        else:
            probe = await resolve(target.host, self.limit)
            if not probe.ok:
                return failed("DNS", probe)
            report.ok(f"{label}DNS: {target.host} → {probe.detail}")
        probe = await connect(target, self.limit)
        if not probe.ok:
            return failed("TCP", probe)
        report.ok(f"{label}TCP: connected to {target} ({probe.detail})")
        if target.scheme == "https":
            probe = await tls_handshake(target, self.limit)
            if not probe.ok:
                return failed("TLS", probe)
            report.ok(f"{label}TLS: handshake with {target.host} ({probe.detail})")
        return True

    async def _via_proxy(
        self, profile: ProviderSettings, target: Target, proxy: ProxyChoice
    ) -> bool:
        report = self.report
        try:
            where = Target.from_url(proxy.url)
        except ValueError:
            report.fail(f"the proxy URL {proxy.shown} has no usable host", f"fix {proxy.source}")
            return False
        if not where.is_address:
            probe = await resolve(where.host, self.limit)
            if not probe.ok:
                report.fail(f"proxy DNS: {probe.detail}", f"check the host in {proxy.source}")
                return False
            report.ok(f"proxy DNS: {where.host} → {probe.detail}")
        probe = await connect(where, self.limit)
        if not probe.ok:
            fix = f"check that the proxy is running and its address in {proxy.source}"
            report.fail(f"proxy TCP: {probe.detail}", fix)
            return False
        report.ok(f"proxy TCP: connected to {where} ({probe.detail})")
        if proxy.is_socks:
            report.ok("SOCKS proxy: the API check below goes through it")
            return True
        if target.scheme != "https":
            report.ok(f"proxy: forwards http:// requests to {target} (checked by the API step)")
            return True
        probe = await proxy_connect(proxy.url, target, self.limit)
        if not probe.ok:
            report.fail(f"proxy CONNECT {target}: {probe.detail}", self._proxy_fix(proxy, probe))
            return False
        report.ok(f"proxy CONNECT {target}: {probe.detail}")
        probe = await tls_handshake(target, self.limit, proxy=proxy.url)
        if not probe.ok:
            report.fail(
                f"TLS through the proxy: {probe.detail}", self._network_fix(profile, probe, proxy)
            )
            return False
        report.ok(f"TLS through the proxy: handshake with {target.host} ({probe.detail})")
        return True

    def _network_fix(
        self, profile: ProviderSettings, probe: Probe, proxy: ProxyChoice | None
    ) -> str:
        url = url_key(profile)
        proxy_keys = f"HTTPS_PROXY=http://host:port or {profile.table}.proxy"
        needs_proxy = f"if this network needs a proxy, set {proxy_keys}"
        match probe.failure:
            case "dns":
                return f"check the host name in {url}; offline, or {needs_proxy}"
            case "refused":
                return f"start the server, or correct the host and port in {url}"
            case "timeout":
                if proxy is not None:
                    return f"check the proxy {proxy.shown} ({proxy.source}) and the URL in {url}"
                return (
                    "no answer usually means this network blocks direct connections and "
                    f"needs a proxy: set {proxy_keys} (else check the URL in {url})"
                )
            case "not-tls":
                return f"the server speaks plain HTTP: use http:// in {url}"
            case "tls-cert":
                return (
                    "a company proxy or firewall may be inspecting TLS: set SSL_CERT_FILE to its "
                    f"CA bundle; or check the host in {url}"
                )
            case _:
                return f"check {url} and your network; {needs_proxy}"

    def _proxy_fix(self, proxy: ProxyChoice, probe: Probe) -> str:
        if probe.failure == "proxy-auth":
            return (
                "put the user name and password in the proxy URL: "
                f"http://USER:PASSWORD@host:port ({proxy.source})"
            )
        return f"the proxy does not allow this host: ask its admin, or change {proxy.source}"

    # 5-6. API and model -------------------------------------------------------------------

    async def check_api(
        self, profile: ProviderSettings, route: _Route | None, model: str, *, reachable: bool
    ) -> None:
        report = self.report
        report.section("API")
        if not profile.configured:
            report.skip("skipped: no server is configured")
            return
        if not reachable:
            report.skip("skipped: the server cannot be reached (see Network)")
            return
        if not (profile.api_key or profile.ad_token_cmd) and profile.effective_kind != "compatible":
            report.skip("skipped: no API key (see Profile)")
            return
        provider = self._provider(profile, route)
        try:
            if profile.effective_kind == "azure":
                await self._check_azure(provider, profile, model)
            else:
                await self._check_models(provider, profile, model, route)
        finally:
            await provider.aclose()

    def _provider(self, profile: ProviderSettings, route: _Route | None) -> OpenAIProvider:
        """A provider with the doctor's time limit, no retries and exactly the proxy shown."""
        from gpt_tui.core.providers.azure import AzureProvider
        from gpt_tui.core.providers.openai_client import OpenAIProvider

        proxy = route.proxy.url if route and route.proxy else None
        settings = replace(profile, timeout=self.limit, max_retries=0, proxy=proxy)
        if profile.effective_kind == "azure":
            return AzureProvider(settings, trust_env=False)
        return OpenAIProvider(settings, trust_env=False)

    async def _check_models(
        self, provider: OpenAIProvider, profile: ProviderSettings, model: str, route: _Route | None
    ) -> None:
        report = self.report
        started = time.monotonic()
        try:
            served = await provider.fetch_models()
        except ProviderError as exc:
            report.fail(exc.info.title, exc.info.hint)
            return
        except Exception as exc:
            self._api_failure(exc, profile, route, model, what=_LIST_MODELS)
            return
        took = f"{time.monotonic() - started:.1f} s"
        report.ok(
            f"authentication: the server accepted the key "
            f"(GET /models: {len(served)} models, {took})"
        )
        if model == DEMO_MODEL:
            report.ok("the demo model is built in: nothing to check on the server")
            return
        if model in served:
            report.ok(f"model {model} is one the server lists")
            return
        if not served:
            report.warn(f"the server listed no models, so {model} could not be checked")
            return
        close = difflib.get_close_matches(model, served, n=3, cutoff=0.5)
        shown = ", ".join(close or served[:_MODELS_SHOWN]) + (
            "" if close or len(served) <= _MODELS_SHOWN else ", …"
        )
        fix = (
            f"choose one of: {shown} (--model, model in config.toml, or the panel F3). If "
            f"'{model}' is an Azure deployment name: use the model's name and map it in "
            'profiles.NAME.deployments (with kind = "azure")'
        )
        report.fail(
            f"model {model} is not among the {len(served)} models {profile.host} lists", fix
        )

    async def _check_azure(
        self, provider: OpenAIProvider, profile: ProviderSettings, model: str
    ) -> None:
        report = self.report
        if model == DEMO_MODEL:
            report.skip("the demo model is built in: no deployment to check")
            return
        deployment = profile.deployment_for(model)
        mapped = f"deployment '{deployment}'" + (
            f" (mapped from {model})" if deployment != model else ""
        )
        try:
            await provider.probe(model)
        except ProviderError as exc:  # e.g. the ad_token_cmd failed
            report.fail(exc.info.title, exc.info.hint)
            return
        except Exception as exc:
            status = describe_error(exc, profile.url, self.secrets).status
            if status == 400:  # the deployment exists; it disliked the probe
                report.ok(
                    f"authentication: accepted; {mapped} exists "
                    "(it answered HTTP 400 to a 1-token test)"
                )
                return
            if status == 404:
                self._azure_not_found(profile, model, deployment)
                return
            self._api_failure(exc, profile, None, model, what=f"a 1-token request to {mapped}")
            return
        report.ok(f"authentication: accepted; {mapped} answered a 1-token test request")

    def _azure_not_found(self, profile: ProviderSettings, model: str, deployment: str) -> None:
        if deployment == model:
            fix = (
                f"Azure routes requests by deployment name. Use the model's name ({model}) and "
                f'map it to your deployment: {profile.table}.deployments = {{ "{model}" = '
                '"YOUR-DEPLOYMENT" } in config.toml'
            )
        else:
            fix = (
                f"{profile.table}.deployments maps {model} to '{deployment}', which {profile.host} "
                "does not have: correct the deployment name (see the Azure portal / AI Foundry)"
            )
        self.report.fail(
            f"Azure has no deployment named '{deployment}' at {profile.host} (HTTP 404)", fix
        )

    def _api_failure(
        self,
        exc: BaseException,
        profile: ProviderSettings,
        route: _Route | None,
        model: str,
        *,
        what: str,
    ) -> None:
        """Say what went wrong as the chat would (:func:`describe_error`), with the fix in
        the terms of this profile's config keys and the network path found above."""
        report = self.report
        info = describe_error(exc, profile.url, self.secrets, profile=profile, model=model)
        if what == _LIST_MODELS and info.status in (404, 405, 501):
            report.warn(
                f"{profile.host} does not list its models ({what}: HTTP {info.status}); "
                "the key and the model could not be checked this way"
            )
            return
        if info.status == 401:
            report.fail(f"{what}: {info.title}", key_fix(profile))
        elif is_timeout(exc):
            proxy = route.proxy if route else None
            report.fail(
                f"{what}: {info.title}: {profile.host} accepted the connection but sent no "
                f"answer within {self.limit:g} s",
                self._network_fix(profile, Probe(False, "", "timeout"), proxy),
            )
        else:
            report.fail(f"{what}: {info.title}", info.hint)

    # 7. Offline data ----------------------------------------------------------------------

    def check_offline_data(self, settings: Settings) -> None:
        report = self.report
        report.section("Offline data")
        from gpt_tui.core.planning.tokens import load_encoding

        started = time.monotonic()
        try:
            load_encoding("o200k_base")
            load_encoding("cl100k_base")
        except Exception as exc:
            report.fail(
                f"tokenizer data: cannot load ({type(exc).__name__}: {exc})",
                "reinstall gpt-tui (its BPE files ship in the package): "
                "pip install --force-reinstall gpt-tui",
            )
        else:
            report.ok(
                "tokenizer: o200k_base and cl100k_base load offline "
                f"({time.monotonic() - started:.1f} s)"
            )
        self._check_prices(settings)

    def _check_prices(self, settings: Settings) -> None:
        from gpt_tui.commands.price_check import check_unpriced_models
        from gpt_tui.core.planning.pricing import PriceBook, format_money, price_hint

        report = self.report
        book = PriceBook(settings.models)
        try:
            book.load()
        except Exception as exc:
            report.fail(
                f"price data: cannot load genai-prices ({type(exc).__name__}: {exc})",
                "reinstall it: pip install --force-reinstall genai-prices",
            )
            return
        check_unpriced_models(report, self.paths)
        model = self.model
        if not model or model == DEMO_MODEL:
            report.ok("price data: genai-prices loads offline")
            return
        info = book.info(model, settings.provider.base_url)
        if info is None or not info.priced:
            warning = f"price data loads, but has no price for {model}: costs will show —"
            report.warn(warning, price_hint(model))
            return
        report.ok(
            f"price data: {model} costs {format_money(info.input_per_mtok)} / "
            f"{format_money(info.output_per_mtok)} per million input / output tokens "
            f"({info.source})"
        )


def _why_default(settings: Settings) -> str:
    return "the only profile" if len(settings.profiles) == 1 else "the profile in use"
