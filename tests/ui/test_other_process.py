"""What another gpt-tui on the same data folder saves shows up here within seconds: new
chats in the list, new messages in the chat on screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.store.conversations import ConversationStore
from gpt_tui.ui.screens import chat
from gpt_tui.ui.widgets.chat_view import UserMessageView
from gpt_tui.ui.widgets.sidebar import ConversationList
from tests.fakes import FROZEN_NOW, make_app, paths_in
from tests.ui.helpers import dismiss_setup, screen_of, type_and_send, wait_idle


def listed(options: ConversationList) -> list[str]:
    found = (options.get_option_at_index(i).id for i in range(options.option_count))
    return [option_id for option_id in found if option_id is not None]


async def test_the_list_and_the_chat_on_screen_follow_the_other_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chat, "ELSEWHERE_CHECK_S", 0.2)
    app = make_app(tmp_path)
    other = ConversationStore(paths_in(tmp_path).data_dir)  # the other process's store
    async with app.run_test(size=(160, 48)) as pilot:
        await dismiss_setup(app, pilot)
        await type_and_send(app, pilot, "mine")
        await wait_idle(pilot)
        mine = screen_of(app).conversation
        options = app.screen.query_one(ConversationList)
        assert listed(options) == [mine.id]

        theirs = Conversation(
            Params(model="demo"),
            title="Made elsewhere",
            updated_at=FROZEN_NOW,
            messages=[Message(role="user", content="hello from the other window")],
        )
        other.save(theirs)
        await pilot.pause(0.6)
        assert set(listed(options)) == {mine.id, theirs.id}

        shared = other.load(mine.id)
        shared.append(Message(role="user", content="a prompt sent in the other window"))
        other.save(shared)
        await pilot.pause(0.6)
        shown = [view.message_id for view in app.screen.query(UserMessageView)]
        assert shown[-1] == shared.messages[-1].id
        assert mine.messages[-1].content == "a prompt sent in the other window"
