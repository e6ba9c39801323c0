"""Attachments: the image token rule, the content-addressed store, preparing files, the
request's parts, and refusing what a model cannot read."""

from __future__ import annotations

import base64
import io
import json
import stat
from pathlib import Path

import pytest
from PIL import Image

from gpt_tui.commands.conversations import run
from gpt_tui.core.domain.attachments import (
    Attachment,
    AttachmentRefused,
    classify,
    fenced,
    is_image_url,
)
from gpt_tui.core.domain.conversation import Conversation, Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.params.extra import ExtraParams
from gpt_tui.core.planning.image_tokens import image_tokens, rule_for, scaled_size
from gpt_tui.core.planning.planner import RequestPlanner
from gpt_tui.core.planning.pricing import PriceBook
from gpt_tui.core.planning.request_builder import build_request
from gpt_tui.core.planning.tokens import TokenCounter
from gpt_tui.core.service.attachments import AttachmentService
from gpt_tui.core.store.attachments import AttachmentStore, MissingAttachment
from gpt_tui.core.store.conversations import ConversationStore


def png(width: int, height: int, color: str = "red") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "blue").save(out, "JPEG")
    return out.getvalue()


# --- the token rule: OpenAI's published examples --------------------------------------------


@pytest.mark.parametrize(
    ("model", "size", "detail", "tokens"),
    [
        ("gpt-4o", (1024, 1024), "auto", 765),  # 768×768, 4 tiles: 85 + 4 × 170
        ("gpt-4o", (1024, 1024), "high", 765),
        ("gpt-4o", (2048, 4096), "high", 1105),  # 768×1536, 6 tiles
        ("gpt-4o", (4096, 8192), "low", 85),  # low detail: the base alone
        ("gpt-4o-2024-08-06", (512, 512), "auto", 255),  # one tile, never scaled up
        ("gpt-4.1", (1024, 1024), "auto", 765),
        ("gpt-4o-mini", (1024, 1024), "auto", 2833 + 4 * 5667),
        ("gpt-4o-mini", (1024, 1024), "low", 2833),
        ("o1", (1024, 1024), "auto", 75 + 4 * 150),
        ("gpt-5", (1024, 1024), "auto", 70 + 4 * 140),
        ("gpt-4.1-mini", (1024, 1024), "auto", 1659),  # 1024 patches × 1.62
        ("gpt-4.1-mini", (1800, 2400), "auto", 2353),  # capped to 1452 patches × 1.62
        ("o4-mini", (1024, 1024), "auto", 1762),  # 1024 × 1.72
    ],
)
def test_image_tokens_follow_the_published_rule(
    model: str, size: tuple[int, int], detail: str, tokens: int
) -> None:
    assert image_tokens(model, *size, detail) == tokens  # type: ignore[arg-type]


def test_scaling_fits_2048_then_shortest_side_768() -> None:
    assert scaled_size(4000, 3000) == (1024, 768)
    assert scaled_size(1024, 1024) == (768, 768)
    assert scaled_size(300, 200) == (300, 200)
    assert scaled_size(10000, 500) == (2048, 102)


def test_unknown_models_use_gpt_4o_rule_as_a_guess() -> None:
    rule, own = rule_for("llama3.2-vision")
    assert (rule.family, own) == ("gpt-4o", False)
    assert rule_for("openai/gpt-4o-mini")[0].family == "gpt-4o-mini"


# --- what a file is ---------------------------------------------------------------------------


def test_classify_by_content_not_extension() -> None:
    assert classify(png(2, 2), "photo.txt") == ("image", "image/png")
    assert classify(jpeg(2, 2), "x") == ("image", "image/jpeg")
    assert classify(b"%PDF-1.7\n...", "paper") == ("pdf", "application/pdf")
    assert classify("def f():\n\treturn 'é'\n".encode(), "notes.bin") == ("text", "text/plain")
    with pytest.raises(AttachmentRefused, match=r"data\.bin is a binary file"):
        classify(b"\x00\x01\x02binary", "data.bin")


def test_fenced_block_is_headed_by_the_name_and_outlasts_inner_fences() -> None:
    block = fenced("notes.md", "a\n```py\nx\n```\n")
    assert block.startswith("notes.md:\n````markdown\n")
    assert block.endswith("\n````")


def test_image_urls_by_extension() -> None:
    assert is_image_url("https://example.com/chart.PNG?x=1")
    assert not is_image_url("https://example.com/page.html")
    assert not is_image_url("file:///tmp/a.png")


# --- the store and preparing files --------------------------------------------------------------


def test_store_keeps_each_file_once_private(tmp_path: Path) -> None:
    store = AttachmentStore(tmp_path / "attachments")
    first = store.put(b"hello")
    assert store.put(b"hello") == first
    assert [p.name for p in store.root.iterdir()] == [first]
    assert stat.S_IMODE(store.path(first).stat().st_mode) == 0o600
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700
    assert store.read(first) == b"hello"
    with pytest.raises(MissingAttachment):
        store.read("0" * 64)
    with pytest.raises(MissingAttachment):
        store.read("../config")


def test_large_image_is_scaled_like_the_api_and_stored(tmp_path: Path) -> None:
    service = AttachmentService(AttachmentStore(tmp_path / "att"))
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(jpeg(4000, 3000))
    attachment = service.attach("photo.jpg", cwd=tmp_path)
    assert (attachment.kind, attachment.mime) == ("image", "image/jpeg")
    assert (attachment.width, attachment.height) == (1024, 768)
    stored = service.read(attachment)
    assert len(stored) == attachment.size
    with Image.open(io.BytesIO(stored)) as image:
        assert image.size == (1024, 768)


def test_small_image_is_stored_unchanged(tmp_path: Path) -> None:
    service = AttachmentService(AttachmentStore(tmp_path / "att"))
    data = png(100, 50)
    (tmp_path / "chart.png").write_bytes(data)
    attachment = service.attach(str(tmp_path / "chart.png"), cwd=Path("/"))
    assert service.read(attachment) == data
    assert (attachment.width, attachment.height, attachment.size) == (100, 50, len(data))


def test_text_url_and_refusals(tmp_path: Path) -> None:
    service = AttachmentService(AttachmentStore(tmp_path / "att"))
    (tmp_path / "notes.py").write_text("print('hi')\n")
    text = service.attach("notes.py", cwd=tmp_path)
    assert (text.kind, text.name, text.size) == ("text", "notes.py", 12)
    url = service.attach("https://example.com/a%20b.png", cwd=tmp_path)
    assert (url.kind, url.name, url.url) == ("url", "a b.png", "https://example.com/a%20b.png")
    with pytest.raises(AttachmentRefused, match="There is no file"):
        service.attach("missing.txt", cwd=tmp_path)
    with pytest.raises(AttachmentRefused, match="not an image address"):
        service.attach("https://example.com/page", cwd=tmp_path)
    (tmp_path / "blob").write_bytes(bytes(range(256)))
    with pytest.raises(AttachmentRefused, match="binary file"):
        service.attach("blob", cwd=tmp_path)


def test_missing_files_are_reported(tmp_path: Path) -> None:
    service = AttachmentService(AttachmentStore(tmp_path / "att"))
    (tmp_path / "a.txt").write_text("a")
    kept = service.attach("a.txt", cwd=tmp_path)
    gone = Attachment(kind="text", name="gone.txt", sha256="1" * 64, size=3)
    url = Attachment(kind="url", name="x.png", url="https://e/x.png")
    assert service.missing([kept, gone, url]) == [gone]


def test_models_without_vision_refuse_images_before_sending() -> None:
    image = Attachment(kind="image", name="chart.png", sha256="a" * 64, width=8, height=8)
    text = Attachment(kind="text", name="notes.py", sha256="b" * 64)
    refused = AttachmentService.refusal("gpt-3.5-turbo", [image])
    assert refused is not None
    assert refused.startswith("gpt-3.5-turbo cannot read images (chart.png)")
    assert AttachmentService.refusal("gpt-4o", [image]) is None
    assert AttachmentService.refusal("gpt-3.5-turbo", [text]) is None
    assert AttachmentService.refusal("llama3", [image]) is None  # unknown: the server decides
    assert AttachmentService.refusal("llama3", [image], vision=False) is not None
    assert AttachmentService.refusal("gpt-3.5-turbo", [image], vision=True) is None


# --- messages and requests ----------------------------------------------------------------------


def test_message_refers_by_hash_and_old_files_read() -> None:
    image = Attachment(
        kind="image", name="c.png", sha256="a" * 64, size=9, mime="image/png", width=3, height=4
    )
    message = Message(role="user", content="look", attachments=(image,))
    data = message.to_dict()
    assert data["attachments"] == [
        {
            "kind": "image",
            "name": "c.png",
            "sha256": "a" * 64,
            "size": 9,
            "mime": "image/png",
            "width": 3,
            "height": 4,
        }
    ]
    assert Message.from_dict(json.loads(json.dumps(data))).attachments == (image,)
    assert "attachments" not in Message(role="user", content="plain").to_dict()
    assert Message.from_dict({"role": "user", "content": "old"}).attachments == ()
    # An entry this version cannot read is left out; the message still reads.
    odd = {
        "role": "user",
        "content": "x",
        "attachments": [{"kind": "hologram"}, data["attachments"][0]],
    }
    assert Message.from_dict(odd).attachments == (image,)
    assert Message.from_dict({**odd, "attachments": "nonsense"}).attachments == ()


def _history(tmp_path: Path) -> tuple[AttachmentService, list[Message]]:
    service = AttachmentService(AttachmentStore(tmp_path / "att"))
    (tmp_path / "chart.png").write_bytes(png(1024, 1024))
    (tmp_path / "notes.py").write_text("x = 1\n")
    image = service.attach("chart.png", cwd=tmp_path)
    text = service.attach("notes.py", cwd=tmp_path)
    url = service.attach("https://example.com/x.png", cwd=tmp_path)
    return service, [Message(role="user", content="What is this?", attachments=(image, text, url))]


def test_request_sends_data_url_parts_and_text_blocks(tmp_path: Path) -> None:
    service, history = _history(tmp_path)
    params = Params(model="gpt-4o", system_prompt="Be brief.", extra=ExtraParams(detail="low"))
    request = build_request(params, history, files=service.store)
    assert request.messages[0] == {"role": "system", "content": "Be brief."}
    parts = request.messages[1]["content"]
    assert parts[0] == {
        "type": "text",
        "text": "What is this?\n\nnotes.py:\n```python\nx = 1\n```",
    }
    image_url = parts[1]["image_url"]
    assert image_url["detail"] == "low"
    prefix = "data:image/png;base64,"
    assert image_url["url"].startswith(prefix)
    sent = base64.b64decode(image_url["url"][len(prefix) :])
    assert sent == service.read(history[0].attachments[0])
    assert parts[2] == {
        "type": "image_url",
        "image_url": {"url": "https://example.com/x.png", "detail": "low"},
    }
    assert "detail" not in request.sdk_kwargs()


def test_text_only_attachments_keep_a_string_content(tmp_path: Path) -> None:
    service = AttachmentService(AttachmentStore(tmp_path / "att"))
    (tmp_path / "n.txt").write_text("hello")
    message = Message(
        role="user", content="Sum up", attachments=(service.attach("n.txt", tmp_path),)
    )
    request = build_request(Params(model="gpt-3.5-turbo"), [message], files=service.store)
    assert request.messages == [{"role": "user", "content": "Sum up\n\nn.txt:\n```\nhello\n```"}]


def test_missing_file_is_sent_as_a_note(tmp_path: Path) -> None:
    gone = Attachment(kind="image", name="gone.png", sha256="1" * 64, mime="image/png")
    message = Message(role="user", content="hi", attachments=(gone,))
    store = AttachmentStore(tmp_path / "att")
    request = build_request(Params(model="gpt-4o"), [message], files=store)
    assert request.messages[0]["content"][1]["text"].startswith("[gone.png: the attached file")


def test_estimate_counts_image_tokens_in_the_draft(tmp_path: Path) -> None:
    service, history = _history(tmp_path)
    planner = RequestPlanner(TokenCounter(), PriceBook(), files=service.store)
    params = Params(model="gpt-4o")
    plain = planner.estimate(params, [], "What is this?", None)
    image = history[0].attachments[0]
    with_image = planner.estimate(params, [], "What is this?", None, [image])
    assert with_image.draft.tokens - plain.draft.tokens == 765
    assert with_image.request.tokens - plain.request.tokens == 765
    # Sent and answered, the message costs the same in the next request's history (a
    # prompt that got no reply is not sent again).
    sent = Message(role="user", content="What is this?", attachments=(image,))
    answer = Message(role="assistant", content="A chart.")
    later = planner.estimate(params, [sent, answer], "", None)
    assert later.request.tokens >= 765


# --- exports and imports --------------------------------------------------------------------------


def _conversation_with_files(data_dir: Path) -> tuple[Conversation, AttachmentService]:
    service = AttachmentService(AttachmentStore(data_dir / "attachments"))
    source = data_dir.parent / "src"
    source.mkdir(parents=True, exist_ok=True)
    (source / "chart.png").write_bytes(png(40, 30))
    (source / "notes [v2].md").write_text("# hi\n", encoding="utf-8")
    attachments = (
        service.attach("chart.png", source),
        service.attach("notes [v2].md", source),
        service.attach("https://example.com/x.png", source),
    )
    conversation = Conversation(id="abc123", title="Pictures", params=Params(model="gpt-4o"))
    conversation.append(Message(role="user", content="see", attachments=attachments))
    conversation.append(Message(role="assistant", content="seen"))
    ConversationStore(data_dir).save(conversation)
    return conversation, service


def test_markdown_export_links_files_copied_next_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation, service = _conversation_with_files(tmp_path / "home" / "data")
    out = tmp_path / "out"
    code = run(
        "export",
        ["abc123", "--format", "md", "--out", str(out), "--data-dir", str(tmp_path / "home")],
        {},
    )
    assert code == 0, capsys.readouterr().err
    [document] = out.glob("*.md")
    text = document.read_text(encoding="utf-8")
    image, notes, _url = conversation.messages[0].attachments
    folder = document.name.removesuffix(".md") + "_files"
    assert f"![chart.png](<{folder}/{image.sha256[:12]}-chart.png>)" in text
    assert f"[notes \\[v2\\].md](<{folder}/{notes.sha256[:12]}-notes-v2-.md>)" in text
    assert "![x.png](<https://example.com/x.png>)" in text
    copied = out / folder / f"{image.sha256[:12]}-chart.png"
    assert copied.read_bytes() == service.read(image)
    assert stat.S_IMODE(copied.stat().st_mode) == 0o600


def test_json_export_embeds_files_and_import_restores_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conversation, service = _conversation_with_files(tmp_path / "home" / "data")
    out = tmp_path / "out"
    home_dir = str(tmp_path / "home")
    assert (
        run("export", ["abc123", "--format", "json", "--out", str(out), "--data-dir", home_dir], {})
        == 0
    )
    [plain] = out.glob("*.json")
    assert 'attachments": {' not in plain.read_text(encoding="utf-8")
    args = ["abc123", "--format", "json", "--embed-attachments", "--out", str(out)]
    assert run("export", [*args, "--data-dir", home_dir], {}) == 0
    embedded_file = max(out.glob("*.json"), key=lambda p: p.stat().st_mtime_ns)
    document = json.loads(embedded_file.read_text(encoding="utf-8"))
    image = conversation.messages[0].attachments[0]
    assert base64.b64decode(document["attachments"][image.sha256]) == service.read(image)
    capsys.readouterr()
    other = tmp_path / "other"
    assert run("import", [str(embedded_file), "--data-dir", str(other)], {}) == 0
    restored = AttachmentStore(other / "data" / "attachments")
    assert restored.read(image.sha256) == service.read(image)
    # A file whose bytes do not match its hash is not stored, and the import says so.
    document["attachments"][image.sha256] = base64.b64encode(b"forged").decode()
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(document), encoding="utf-8")
    third = tmp_path / "third"
    run("import", [str(forged), "--data-dir", str(third)], {})
    assert "do not match its hash" in capsys.readouterr().out
    assert not AttachmentStore(third / "data" / "attachments").exists(image.sha256)


def test_chatgpt_import_keeps_images_the_export_holds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "chatgpt-export"
    export.mkdir()
    fixture = Path(__file__).parent.parent / "fixtures" / "import" / "chatgpt_conversations.json"
    (export / "conversations.json").write_bytes(fixture.read_bytes())
    photo = jpeg(1024, 768)
    (export / "file-AbC123-cat.jpg").write_bytes(photo)
    home_dir = tmp_path / "home"
    code = run("import", [str(export / "conversations.json"), "--data-dir", str(home_dir)], {})
    out = capsys.readouterr().out
    assert code == 0, out
    assert "message 1: 1 image left out" not in out
    store = ConversationStore(home_dir / "data")
    [cat] = [c for s in store.list_summaries() if (c := store.load(s.id)).title == "Cat photo"]
    prompt = cat.messages[0]
    assert prompt.content == "What breed is this cat?"
    [image] = prompt.attachments
    assert (image.kind, image.name, image.mime) == ("image", "cat.jpg", "image/jpeg")
    assert (image.width, image.height) == (1024, 768)
    assert AttachmentStore(home_dir / "data" / "attachments").read(image.sha256) == photo
