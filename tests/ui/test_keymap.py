"""``[keymap]``: every binding F1 shows can be remapped; impossible key names are reported with
their line and leave the default working; the prompt's placeholder and F1 name the real keys."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.screen import Screen

from gpt_tui.core.config.keys import key_problem
from gpt_tui.ui.app import GptTuiApp
from gpt_tui.ui.keymap import check_keymap, known_bindings
from gpt_tui.ui.screens.help import HelpScreen
from gpt_tui.ui.widgets.prompt_input import PromptInput
from gpt_tui.ui.widgets.sidebar import ConversationList
from tests.fakes import RecordingProvider, Script, make_app, write_config
from tests.ui.helpers import dismiss_setup, type_and_send, wait_idle
from tests.ui.test_keys_help_palette import REMOTE, help_text


def ids_active_on(screen: Screen[object]) -> set[str]:
    return {b.binding.id for b in screen.active_bindings.values() if b.binding.id}


async def visit_every_area(app: GptTuiApp, pilot: Pilot[None]) -> set[str]:
    """The binding ids active with each focusable widget of the chat focused, and on the
    screens the chat opens (help, search)."""
    seen: set[str] = set()
    for widget in list(app.screen.focus_chain):
        widget.focus()
        await pilot.pause()
        seen |= ids_active_on(app.screen)
    for key in ("f1", "ctrl+f"):
        app.screen.query_one(PromptInput).focus()
        await pilot.press(key)
        await pilot.pause()
        assert app.screen is not app.get_screen("chat")
        seen |= ids_active_on(app.screen)
        await pilot.press("escape")
        await pilot.pause()
    return seen


async def test_every_binding_f1_can_list_is_remappable(tmp_path: Path) -> None:
    provider = RecordingProvider([Script(["a reply"])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini")
    async with app.run_test(size=(160, 48)) as pilot:
        await type_and_send(app, pilot, "hello")  # so the message list and sidebar have rows
        await wait_idle(pilot)
        seen = await visit_every_area(app, pilot)
    known = set(known_bindings())
    assert seen <= known, seen - known
    # The ones a hand-kept list of classes used to miss:
    assert {"list.rename", "list.delete", "chat.earlier", "message.edit"} <= seen


def test_hidden_bindings_are_remappable() -> None:
    usable, problems = check_keymap(
        {"list.rename": "f6", "list.delete": "x", "chat.earlier": "ctrl+o", "help.close": "f9"},
        known_bindings(),
    )
    assert problems == []
    assert usable == {
        "list.rename": "f6",
        "list.delete": "x",
        "chat.earlier": "ctrl+o",
        "help.close": "f9",
    }


def test_clashes_are_found_only_between_bindings_that_meet() -> None:
    known = known_bindings()
    # The sidebar's list and the message list are never focused together …
    usable, problems = check_keymap({"list.rename": "e"}, known)
    assert (usable, problems) == ({"list.rename": "e"}, [])
    # … but a chat-screen key and a widget on it are, and app keys meet everything.
    usable, problems = check_keymap({"chat.new": "r", "search.close": "ctrl+q"}, known)
    assert usable == {}
    assert {p.binding_id for p in problems} == {"chat.new", "search.close"}
    assert any("'r' would do both 'list.rename' and 'chat.new'" in p.message for p in problems)


async def test_remapped_sidebar_key_works(tmp_path: Path) -> None:
    app = make_app(tmp_path, keymap={"list.rename": "f6"})
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "name me")
        await wait_idle(pilot)
        assert all("keymap" not in n.message for n in app._notifications)
        app.screen.query_one(ConversationList).focus()
        await pilot.pause()
        await pilot.press("f6")
        await pilot.pause()
        assert type(app.screen).__name__ == "AskText"


async def test_impossible_key_names_are_reported_with_their_line_and_defaults_stay(
    tmp_path: Path,
) -> None:
    write_config(
        tmp_path,
        '[keymap]\n"chat.new" = "ctrl+t"\n"app.quit" = "banana"\n"prompt.send" = "ctrl+zz"\n',
    )
    provider = RecordingProvider([Script(["ok"])])
    app = make_app(tmp_path, env=REMOTE, provider=provider, model="gpt-4o-mini", keymap=None)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("line 3, keymap.app.quit: 'banana' is not a key name" in m for m in said), said
        assert any("line 4, keymap.prompt.send: 'ctrl+zz' is not a key name" in m for m in said)
        prompt = app.screen.query_one(PromptInput)
        assert prompt.placeholder == "Message… (Enter sends, ctrl+j adds a line)"
        await type_and_send(app, pilot, "hi")  # Enter still sends
        await wait_idle(pilot)
        assert [m["content"] for m in provider.requests[0].messages] == ["hi"]
        await pilot.press("f1")
        await pilot.pause()
        assert any("Quit" in row[2] and "^q" in row[1] for row in help_text(app))
        await pilot.press("escape")
        await pilot.press("ctrl+q")  # still quits
        await pilot.pause()
        assert not app.is_running


async def test_unknown_binding_id_is_reported_with_its_line(tmp_path: Path) -> None:
    write_config(tmp_path, '[keymap]\n\n"no.such" = "ctrl+x"\n')
    app = make_app(tmp_path, keymap=None)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("line 3, keymap.no.such: unknown binding id 'no.such'" in m for m in said)


async def test_placeholder_and_help_name_the_remapped_keys(tmp_path: Path) -> None:
    app = make_app(
        tmp_path, keymap={"prompt.send": "ctrl+s", "prompt.newline": "enter", "chat.stop": "f7"}
    )
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        prompt = app.screen.query_one(PromptInput)
        assert prompt.placeholder == "Message… (ctrl+s sends, Enter adds a line)"
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        intro = str(app.screen.query_one("#help-intro").render())
        assert intro.startswith("ctrl+s sends, Enter adds a line, f7 stops a reply.")


async def test_default_help_intro_names_the_default_keys(tmp_path: Path) -> None:
    app = make_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await pilot.press("f1")
        await pilot.pause()
        intro = str(app.screen.query_one("#help-intro").render())
        assert intro.startswith("Enter sends, ctrl+j adds a line, Esc stops a reply. ctrl+p")
        assert "j/k move between messages, e edits, g regenerates" in intro


def test_every_default_key_passes_the_key_name_check() -> None:
    """The check refuses no key gpt-tui itself binds (so it is not stricter than Textual)."""
    problems = {bid: key_problem(kb.binding.key) for bid, kb in known_bindings().items()}
    assert {bid: p for bid, p in problems.items() if p} == {}
