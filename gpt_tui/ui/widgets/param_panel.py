"""The parameter panel: presets, profile, model, sampling parameters and system prompt.

The values belong to the open conversation. Each edit is checked at once: an invalid
field shows why next to it, and the screen refuses to send until it is fixed. Fields the
model does not take are disabled with the reason from
:func:`~gpt_tui.core.params.capabilities.capabilities_for` under them, updated as the model name
changes. The less common parameters sit in a collapsed "Advanced" section so the common
ones stay on top at 80×24.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Input, Label, Select, Static, TextArea
from textual.widgets.select import InvalidSelectValueError

from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.params.capabilities import Capabilities, capabilities_for
from gpt_tui.core.params.fields import ParamsForm
from gpt_tui.core.params.spec import SPECS, ParamSpec, spec_for
from gpt_tui.ui.widgets.usage_panel import UsagePanel

_FORM = tuple(spec for spec in SPECS if "form" in spec.where)
_CONTEXT_ROW = ("context", "context_turns")
_FIELDS = tuple(
    s.name
    for s in _FORM
    if not (s.advanced or s.tools)
    and s.kind in ("model", "number", "whole")
    and s.name not in _CONTEXT_ROW
)
_ADVANCED = tuple(
    s.name for s in _FORM if s.advanced and not s.tools and s.kind not in ("choice", "flag")
)
_TOOLS = tuple(s.name for s in _FORM if s.tools)
_ALL_INPUTS = (*_FIELDS, "context_turns", *_ADVANCED, *_TOOLS)
_SELECTS = tuple(s.name for s in _FORM if s.advanced and s.kind in ("choice", "flag"))
_CHECKED = (*_FIELDS, "system_prompt", *_ADVANCED, *_SELECTS, *_TOOLS)
"""The fields whose support depends on the model (each has a note line under it)."""


def _choices(spec: ParamSpec) -> list[tuple[str, str]]:
    """A select's (label, value) pairs, as the spec names them."""
    labels = spec.choice_labels or spec.choices
    return list(zip(labels, spec.choices, strict=True))


class ParamPanel(VerticalScroll, can_focus=False):
    """Edits the open conversation's parameters; posts :class:`Edited`,
    :class:`PresetChosen` and :class:`PresetSaveRequested`."""

    @dataclass
    class Edited(Message):
        """A parameter field changed; ``form`` holds every field's text as typed."""

        form: ParamsForm

    @dataclass
    class PresetChosen(Message):
        """The user picked a preset to apply to the open conversation."""

        name: str

    class PresetSaveRequested(Message):
        """The user asked to save the open conversation's parameters as a new preset."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Parameters"
        self._caps_model: str | None = None
        self._format_choices = _choices(spec_for("response_format"))
        self._efforts: tuple[str, ...] | None = None

    def compose(self):  # type: ignore[no-untyped-def]
        yield UsagePanel(id="usage")
        yield Label("preset", classes="field-label", id="preset-label")
        with Horizontal(id="preset-row"):
            yield Select[str](
                [], prompt="apply a preset…", compact=True, id="param-preset", allow_blank=True
            )
            save = Button(
                "save…",
                id="save-preset",
                compact=True,
                tooltip="Save these parameters and system prompt as a new preset "
                "(from the keyboard: ctrl+p → Save settings as a preset)",
            )
            save.can_focus = False  # Tab from the prompt goes straight to the fields
            yield save
        yield Label("profile", classes="field-label", id="profile-label")
        yield Select[str]([], allow_blank=True, compact=True, id="param-profile")
        yield Static("", id="provider-line", markup=False)
        for name in _FIELDS:
            yield from self._input_field(name)
        yield Label(spec_for("system_prompt").label, classes="field-label")
        yield TextArea(
            id="param-system_prompt",
            soft_wrap=True,
            compact=True,
            tab_behavior="focus",
            highlight_cursor_line=False,
            placeholder=spec_for("system_prompt").placeholder,
        )
        yield Static("", id="note-system_prompt", classes="field-note", markup=False)
        context, turns = spec_for("context"), spec_for("context_turns")
        yield Label(context.label, classes="field-label")
        with Horizontal(id="context-row"):
            yield Select(
                _choices(context),
                value=context.empty,
                allow_blank=False,
                compact=True,
                id=context.field_id,
            )
            yield Input(
                id=turns.field_id,
                placeholder=turns.placeholder,
                compact=True,
                select_on_focus=False,
                tooltip=turns.tooltip,
            )
        yield Static("", id="error-context_turns", classes="field-error", markup=False)
        with Collapsible(title="Advanced", id="advanced"):
            for name in _ADVANCED:
                yield from self._input_field(name)
            for name in _SELECTS:
                spec = spec_for(name)
                yield Label(spec.label, classes="field-label")
                yield Select[str](
                    # The model decides which reasoning efforts are offered.
                    [] if name == "reasoning_effort" else _choices(spec),
                    prompt=spec.placeholder,
                    compact=True,
                    id=spec.field_id,
                )
                yield Static("", id=f"note-{name}", classes="field-note", markup=False)
            for name in _TOOLS:
                yield from self._input_field(name)

    def _input_field(self, name: str):  # type: ignore[no-untyped-def]
        spec = spec_for(name)
        yield Label(spec.label, classes="field-label")
        yield Input(
            id=spec.field_id,
            placeholder=spec.placeholder,
            compact=True,
            select_on_focus=False,
            tooltip=spec.tooltip,
        )
        yield Static("", id=f"error-{name}", classes="field-error", markup=False)
        yield Static("", id=f"note-{name}", classes="field-note", markup=False)

    def on_mount(self) -> None:
        self._inputs = {name: self.query_one(f"#param-{name}", Input) for name in _ALL_INPUTS}
        self._selects: dict[str, Select[str]] = {
            name: self.query_one(f"#param-{name}", Select)
            for name in ("context", "profile", *_SELECTS)
        }
        self._system = self.query_one("#param-system_prompt", TextArea)
        self._errors = {name: self.query_one(f"#error-{name}", Static) for name in _ALL_INPUTS}
        self._notes = {name: self.query_one(f"#note-{name}", Static) for name in _CHECKED}
        for widget in (*self._errors.values(), *self._notes.values()):
            widget.display = False
        self.show_profiles((), None)
        self.show_presets(())

    def show_profiles(self, names: tuple[str, ...], default: str | None) -> None:
        """The profiles to choose from; the selector shows only when there is a choice."""
        select = self.query_one("#param-profile", Select)
        with self.prevent(Select.Changed):
            select.set_options(
                [
                    (Content(f"{name} (default)" if name == default else name), name)
                    for name in names
                ]
            )
        many = len(names) > 1
        select.display = many
        self.query_one("#profile-label").display = many
        self._default_profile = default

    def show_schemas(self, names: tuple[str, ...]) -> None:
        """Offer each ``[schemas.NAME]`` as a response format ("schema NAME")."""
        spec = spec_for("response_format")
        select = self.query_one(f"#{spec.field_id}", Select)
        wanted = [*_choices(spec), *((f"schema {n}", f"{spec.named_prefix}{n}") for n in names)]
        if wanted == self._format_choices:
            return
        self._format_choices = wanted
        with self.prevent(Select.Changed):
            select.set_options(wanted)

    def show_presets(self, names: tuple[str, ...]) -> None:
        """The presets to apply; the selector shows only when there are some (the save
        button always shows)."""
        select = self.query_one("#param-preset", Select)
        with self.prevent(Select.Changed):
            select.set_options([(Content(name), name) for name in names])
        select.display = bool(names)

    def suggest_models(self, models: list[str]) -> None:
        """Offer these model names as completions in the model field (→ accepts one)."""
        self.query_one("#param-model", Input).suggester = SuggestFromList(
            models, case_sensitive=False
        )

    def load(self, params: Params, provider_label: str) -> None:
        """Show ``params`` (a conversation was opened) without posting edits."""
        form = ParamsForm.from_params(params)
        with self.prevent(Input.Changed, TextArea.Changed, Select.Changed):
            for name, field in self._inputs.items():
                if field.value != getattr(form, name):
                    field.value = getattr(form, name)
            if self._system.text != form.system_prompt:
                self._system.load_text(form.system_prompt)
            self._set_select("context", form.context)
            for name in _SELECTS:  # reasoning effort: by the model's capabilities, below
                if name != "reasoning_effort":
                    self._set_select(name, getattr(form, name))
            self.show_capabilities(form.model, effort=form.reasoning_effort)
            wanted = form.profile or self._default_profile
            if wanted is not None:
                self._set_select("profile", wanted)
        self._show_turns_field(form.context)
        self.show_provider(provider_label)
        self.show_errors({})

    def _set_select(self, name: str, value: str) -> None:
        select = self._selects[name]
        if select.value == value or (not value and select.is_blank()):
            return
        with contextlib.suppress(InvalidSelectValueError):
            if value:
                select.value = value
            else:
                select.clear()

    def show_provider(self, label: str) -> None:
        self.query_one("#provider-line", Static).update(Content(f"server: {label}"))

    def show_capabilities(self, model: str, *, effort: str | None = None) -> None:
        """Disable what ``model`` does not take and say why under each field.

        Cheap to call per keystroke: nothing changes unless the model name did. ``effort``
        is the reasoning effort to show (default: the one selected now, if still offered).
        """
        if model == self._caps_model and effort is None:
            return
        self._caps_model = model
        caps = capabilities_for(model)
        for name in _CHECKED:
            support = caps.support(name)
            widget: Widget = (
                self._system
                if name == "system_prompt"
                else self._inputs[name]
                if name in self._inputs
                else self._selects[name]
            )
            widget.disabled = not support.applies
            note = self._notes[name]
            if str(note.content) != support.reason:
                note.update(Content(support.reason))
            note.display = bool(support.reason)
        self._offer_efforts(caps, effort)

    def _offer_efforts(self, caps: Capabilities, effort: str | None) -> None:
        select = self._selects["reasoning_effort"]
        current = select.value if isinstance(select.value, str) else ""
        wanted = current if effort is None else effort
        with self.prevent(Select.Changed):
            if caps.reasoning_efforts != self._efforts:
                self._efforts = caps.reasoning_efforts
                select.set_options([(e, e) for e in caps.reasoning_efforts])
            self._set_select("reasoning_effort", wanted if wanted in self._efforts else "")

    def form(self) -> ParamsForm:
        """Every field's current text."""
        values = {name: field.value for name, field in self._inputs.items()}
        selected = {
            name: value if isinstance(value := select.value, str) else ""
            for name, select in self._selects.items()
        }
        chosen = selected.pop("profile")
        return ParamsForm(
            system_prompt=self._system.text,
            context=selected.pop("context") or "all",
            profile="" if chosen == self._default_profile else chosen,
            **values,
            **selected,
        )

    def show_errors(self, errors: dict[str, str]) -> None:
        for name, label in self._errors.items():
            message = errors.get(name, "")
            if str(label.content) != message:
                label.update(Content(message))
            label.display = bool(message)
            self._inputs[name].set_class(bool(message), "-invalid")

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._edited()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._edited()

    def on_select_changed(self, event: Select.Changed) -> None:
        event.stop()
        if event.select.id == "param-preset":
            if isinstance(event.value, str):
                self.post_message(self.PresetChosen(event.value))
                with self.prevent(Select.Changed):
                    event.select.clear()
            return
        if event.select.id == "param-context":
            self._show_turns_field(str(event.value))
        self._edited()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save-preset":
            event.stop()
            self.post_message(self.PresetSaveRequested())

    def _show_turns_field(self, context: str) -> None:
        self._inputs["context_turns"].display = context == "last_turns"

    def _edited(self) -> None:
        form = self.form()
        self.show_capabilities(form.model)
        self.show_errors(form.errors())
        self.post_message(self.Edited(form))
