"""The parameter panel: model, temperature, top_p, max_tokens and system prompt.

The values belong to the open conversation. Each edit is checked at once: an invalid
field shows why next to it, and the screen refuses to send until it is fixed.
"""

from __future__ import annotations

import contextlib

from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.suggester import SuggestFromList
from textual.widgets import Input, Label, Select, Static, TextArea
from textual.widgets.select import InvalidSelectValueError

from gpt_tui.core.models import Params
from gpt_tui.core.params import FIELD_PARAMS_HINTS, ParamsForm
from gpt_tui.ui.messages import ParamsEdited
from gpt_tui.ui.widgets.usage_panel import UsagePanel

CONTEXT_CHOICES = [
    ("send everything", "all"),
    ("last N turns", "last_turns"),
    ("fit the context window", "fit"),
]

_FIELDS = ("model", "temperature", "top_p", "max_tokens")
_ALL_INPUTS = (*_FIELDS, "context_turns")


class ParamPanel(VerticalScroll, can_focus=False):
    """Edits the open conversation's parameters; posts :class:`ParamsEdited`."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Parameters"

    def compose(self):  # type: ignore[no-untyped-def]
        yield UsagePanel(id="usage")
        yield Label("profile", classes="field-label", id="profile-label")
        yield Select[str]([], allow_blank=True, compact=True, id="param-profile")
        yield Static("", id="provider-line", markup=False)
        for name in _FIELDS:
            yield Label(name, classes="field-label")
            yield Input(
                id=f"param-{name}",
                placeholder=FIELD_PARAMS_HINTS[name],
                compact=True,
                select_on_focus=False,
            )
            yield Static("", id=f"error-{name}", classes="field-error", markup=False)
        yield Label("system prompt", classes="field-label")
        yield TextArea(
            id="param-system_prompt",
            soft_wrap=True,
            compact=True,
            tab_behavior="focus",
            highlight_cursor_line=False,
            placeholder=FIELD_PARAMS_HINTS["system_prompt"],
        )
        yield Label("history sent", classes="field-label")
        with Horizontal(id="context-row"):
            yield Select(
                CONTEXT_CHOICES, value="all", allow_blank=False, compact=True, id="param-context"
            )
            yield Input(
                id="param-context_turns",
                placeholder=FIELD_PARAMS_HINTS["context_turns"],
                compact=True,
                select_on_focus=False,
                tooltip="How many recent turns 'last N turns' keeps",
            )
        yield Static("", id="error-context_turns", classes="field-error", markup=False)

    def on_mount(self) -> None:
        for name in _ALL_INPUTS:
            self.query_one(f"#error-{name}").display = False
        self.show_profiles((), None)

    def show_profiles(self, names: tuple[str, ...], default: str | None) -> None:
        """The profiles to choose from; the selector shows only when there is a choice."""
        select = self.query_one("#param-profile", Select)
        with self.prevent(Select.Changed):
            select.set_options(
                [(f"{name} (default)" if name == default else name, name) for name in names]
            )
        many = len(names) > 1
        select.display = many
        self.query_one("#profile-label").display = many
        self._default_profile = default

    def suggest_models(self, models: list[str]) -> None:
        """Offer these model names as completions in the model field (→ accepts one)."""
        self.query_one("#param-model", Input).suggester = SuggestFromList(
            models, case_sensitive=False
        )

    def load(self, params: Params, provider_label: str) -> None:
        """Show ``params`` (a conversation was opened) without posting edits."""
        form = ParamsForm.from_params(params)
        with self.prevent(Input.Changed, TextArea.Changed, Select.Changed):
            for name in _ALL_INPUTS:
                field = self.query_one(f"#param-{name}", Input)
                if field.value != getattr(form, name):
                    field.value = getattr(form, name)
            system = self.query_one("#param-system_prompt", TextArea)
            if system.text != form.system_prompt:
                system.load_text(form.system_prompt)
            context = self.query_one("#param-context", Select)
            if context.value != form.context:
                context.value = form.context
            profile = self.query_one("#param-profile", Select)
            wanted = form.profile or self._default_profile
            if wanted is not None and profile.value != wanted:
                with contextlib.suppress(InvalidSelectValueError):
                    profile.value = wanted
        self._show_turns_field(form.context)
        self.show_provider(provider_label)
        self.show_errors({})

    def show_provider(self, label: str) -> None:
        self.query_one("#provider-line", Static).update(Content(f"server: {label}"))

    def form(self) -> ParamsForm:
        """Every field's current text."""
        values = {name: self.query_one(f"#param-{name}", Input).value for name in _ALL_INPUTS}
        context = self.query_one("#param-context", Select).value
        profile = self.query_one("#param-profile", Select).value
        chosen = profile if isinstance(profile, str) else ""
        return ParamsForm(
            system_prompt=self.query_one("#param-system_prompt", TextArea).text,
            context=context if isinstance(context, str) else "all",
            profile="" if chosen == self._default_profile else chosen,
            **values,
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        for name in _ALL_INPUTS:
            label = self.query_one(f"#error-{name}", Static)
            message = errors.get(name, "")
            label.update(Content(message))
            label.display = bool(message)
            self.query_one(f"#param-{name}", Input).set_class(bool(message), "-invalid")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._edited()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._edited()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._show_turns_field(str(event.value))
        self._edited()

    def _show_turns_field(self, context: str) -> None:
        self.query_one("#param-context_turns").display = context == "last_turns"

    def _edited(self) -> None:
        form = self.form()
        self.show_errors(form.errors())
        self.post_message(ParamsEdited(form))
