"""Fenced code blocks found in a message's Markdown source."""

from __future__ import annotations

from gpt_tui.core.domain.code_blocks import CodeBlock, code_blocks


def test_backtick_and_tilde_blocks_with_their_languages() -> None:
    text = (
        "Intro\n\n```python\nprint('hi')\n```\n\nThen:\n\n~~~ bash extra words\nls -l\n~~~\n"
        "```\nplain\n```"
    )
    assert code_blocks(text) == [
        CodeBlock("python", "print('hi')", 3),
        CodeBlock("bash", "ls -l", 9),
        CodeBlock("", "plain", 12),
    ]


def test_a_longer_fence_holds_a_shorter_one_and_the_other_character() -> None:
    text = "````markdown\nExample:\n```js\nx()\n```\n~~~\n````\n"
    [block] = code_blocks(text)
    assert block.language == "markdown"
    assert block.code == "Example:\n```js\nx()\n```\n~~~"


def test_a_closing_fence_must_be_bare_and_long_enough() -> None:
    text = "~~~~\na\n~~~\n~~~~ not closing\n~~~~~\nafter"
    [block] = code_blocks(text)
    assert block.code == "a\n~~~\n~~~~ not closing"
    assert block.closed


def test_an_unclosed_fence_runs_to_the_end() -> None:
    [block] = code_blocks("Stopped mid-code:\n```rust\nfn main() {\n    println!(")
    assert block == CodeBlock("rust", "fn main() {\n    println!(", 2, closed=False)


def test_inline_backticks_are_not_fences() -> None:
    assert code_blocks("Use ``` ```x``` ``` inline, or `a`.\n```js ` no\nx") == []


def test_fences_inside_list_items_are_dedented() -> None:
    text = "1. Install:\n\n    ```sh\n    pip install x\n      --upgrade\n    ```\n"
    [block] = code_blocks(text)
    assert block.code == "pip install x\n  --upgrade"


def test_crlf_text_and_empty_blocks() -> None:
    assert code_blocks("```\r\n```\r\n") == [CodeBlock("", "", 1)]
    assert code_blocks("no code here") == []


def test_labels_say_language_size_and_first_line() -> None:
    assert CodeBlock("python", "\nimport os\nx = 1", 1).label == "python · 3 lines · import os"
    assert CodeBlock("", "", 1).label == "text · 0 lines"
    long = CodeBlock("js", "x" * 80, 1).label
    assert long.endswith("…") and len(long) < 70
