"""Attachments through the real app and the real ``openai`` SDK to the loopback server:
``@chart.png`` goes out as a data-URL part, ``@notes.py`` as its text, the conversation file
refers to the image by hash, and a model without vision refuses before sending."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

from PIL import Image

from gpt_tui.core.domain.attachments import Attachment
from gpt_tui.ui.widgets.attachment_chips import AttachmentChip
from gpt_tui.ui.widgets.chat_view import UserMessageView
from gpt_tui.ui.widgets.prompt_input import PromptInput
from tests.fake_server import FakeOpenAIServer, ScriptedReply
from tests.fakes import make_app, write_config
from tests.ui.helpers import reply_text, screen_of, type_and_send, wait_idle

KEY = "sk-e2e-SECRET-0123456789abcdef"
CONFIG = "[provider]\nmax_retries = 0\ntimeout = 5.0\n"


def env_for(server: FakeOpenAIServer) -> dict[str, str]:
    return {"OPENAI_API_KEY": KEY, "OPENAI_BASE_URL": server.base_url}


def write_png(path: Path, size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "green").save(out, "PNG")
    path.write_bytes(out.getvalue())
    return out.getvalue()


async def test_image_goes_as_a_data_url_and_is_stored_by_hash(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    png = write_png(tmp_path / "chart.png", (1024, 1024))
    (tmp_path / "notes.py").write_text("print('hello')\n", encoding="utf-8")
    fake_server.queue(ScriptedReply(text="A green square."), ScriptedReply(text="It prints."))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o")
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        before = screen.services.chat.estimate(screen.conversation, "What is this?")
        after = screen.services.chat.estimate(
            screen.conversation,
            "What is this?",
            attachments=[screen.services.attachments.attach("chart.png", tmp_path)],
        )
        assert after.request.tokens - before.request.tokens == 765
        await type_and_send(app, pilot, "What is this? @chart.png")
        await wait_idle(pilot)
        assert reply_text(app) == "A green square."
        await type_and_send(app, pilot, "@notes.py what does it print?")
        await wait_idle(pilot)
        assert reply_text(app) == "It prints."
        shown = [str(v.render()) for v in screen.query(UserMessageView)]
        assert "⎘ chart.png" in shown[0]
        assert shown[0].startswith("What is this?")
    first, second = fake_server.requests
    assert first.body is not None
    [user] = first.body["messages"]
    text_part, image_part = user["content"]
    assert text_part == {"type": "text", "text": "What is this?"}
    url = image_part["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    # 1024² is scaled to 768² as the API would: the upload is the scaled copy.
    with Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) as sent:
        assert sent.size == (768, 768)
    assert second.body is not None
    assert second.body["messages"][-1] == {
        "role": "user",
        "content": "what does it print?\n\nnotes.py:\n```python\nprint('hello')\n```",
    }
    conversation_file = next((tmp_path / "data" / "conversations").glob("*.json"))
    raw = conversation_file.read_text(encoding="utf-8")
    assert "base64" not in raw
    assert len(raw) < 10_000
    saved = json.loads(raw)
    image = Attachment.from_dict(saved["messages"][0]["attachments"][0])
    assert (image.name, image.width, image.height) == ("chart.png", 768, 768)
    stored = tmp_path / "data" / "attachments" / image.sha256
    assert stored.stat().st_mode & 0o777 == 0o600
    assert len(png) > 0

    # Relaunched, the message still shows its attachment.
    again = make_app(tmp_path, env=env_for(fake_server), model="gpt-4o")
    async with again.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        shown = [str(v.render()) for v in again.screen.query(UserMessageView)]
        assert "⎘ chart.png" in shown[0]


async def test_model_without_vision_refuses_the_image_and_keeps_the_draft(
    tmp_path: Path, fake_server: FakeOpenAIServer
) -> None:
    write_config(tmp_path, CONFIG)
    write_png(tmp_path / "chart.png", (64, 64))
    app = make_app(tmp_path, env=env_for(fake_server), model="gpt-3.5-turbo")
    notes: list[str] = []
    async with app.run_test(size=(160, 48)) as pilot:
        screen = screen_of(app)
        screen.attachments.cwd = tmp_path
        original = app.notify

        def capture(message: str, **kwargs: object) -> None:
            notes.append(message)
            original(message, **kwargs)  # type: ignore[arg-type]

        app.notify = capture  # type: ignore[method-assign]
        await type_and_send(app, pilot, "What is this? @chart.png")
        await wait_idle(pilot)
        assert screen.query_one(PromptInput).text == "What is this?"
        assert len(screen.query(AttachmentChip)) == 1
    assert fake_server.requests == []
    assert any(n.startswith("gpt-3.5-turbo cannot read images (chart.png)") for n in notes)
