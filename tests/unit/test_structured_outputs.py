"""Structured outputs: ``[schemas.NAME]`` read and checked with file and line, the
``response_format`` parameter and what goes on the wire, and the check of a reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gpt_tui.core.config.loading import load_settings
from gpt_tui.core.config.schemas import NamedSchema, json_line, strict_problems
from gpt_tui.core.domain.conversation import Params
from gpt_tui.core.domain.message import Message
from gpt_tui.core.domain.structured import StructuredCheck, pretty_json
from gpt_tui.core.params.error import ParamError
from gpt_tui.core.params.extra import ExtraParams
from gpt_tui.core.planning.request_builder import build_request, format_problem
from gpt_tui.core.planning.structured import check_structured

ANSWER = """
[schemas.answer]
type = "object"
properties = { ok = { type = "boolean" }, why = { type = "string" } }
required = ["ok", "why"]
additionalProperties = false
"""


def load(tmp_path: Path, text: str) -> tuple[dict[str, NamedSchema], list[str]]:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    settings, problems = load_settings(path, {})
    return dict(settings.schemas), [str(p) for p in problems]


def test_a_schema_written_in_toml(tmp_path: Path) -> None:
    schemas, problems = load(tmp_path, ANSWER)
    assert problems == []
    answer = schemas["answer"]
    assert answer.strict
    assert answer.wire() == {
        "type": "json_schema",
        "json_schema": {
            "name": "answer",
            "schema": {
                "type": "object",
                "properties": {"ok": {"type": "boolean"}, "why": {"type": "string"}},
                "required": ["ok", "why"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }


def test_a_schema_in_a_json_file_beside_the_config(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    body = {"type": "array", "items": {"type": "integer"}}
    (tmp_path / "schemas" / "numbers.json").write_text(json.dumps(body), encoding="utf-8")
    schemas, problems = load(
        tmp_path, '[schemas.numbers]\nfile = "schemas/numbers.json"\nstrict = false\n'
    )
    assert problems == []
    assert schemas["numbers"].schema == body
    assert schemas["numbers"].strict is False
    assert schemas["numbers"].source == tmp_path / "schemas" / "numbers.json"


def test_invalid_json_schema_is_reported_on_its_line(tmp_path: Path) -> None:
    text = '[schemas.bad]\ntype = "object"\nproperties = { ok = { type = "bool" } }\n'
    text += "required = []\nadditionalProperties = false\n"
    schemas, problems = load(tmp_path, text)
    assert schemas == {}
    [problem] = problems
    assert "line 3" in problem
    assert "schemas.bad.properties.ok.type" in problem
    assert "not valid JSON Schema" in problem
    assert "'bool' is not valid under any of the given schemas" in problem


def test_strict_mode_wants_every_property_required(tmp_path: Path) -> None:
    text = ANSWER.replace('required = ["ok", "why"]', 'required = ["ok"]')
    schemas, problems = load(tmp_path, text)
    assert schemas == {}
    [problem] = problems
    assert "line 2" in problem
    assert "every property must be required; not listed: why" in problem
    assert "or set strict = false" in problem
    relaxed, problems = load(
        tmp_path, text.replace("[schemas.answer]", "[schemas.answer]\nstrict = false")
    )
    assert problems == []
    assert "answer" in relaxed


def test_strict_mode_checks_nested_objects() -> None:
    schema = {
        "type": "object",
        "properties": {
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"n": {"type": "integer"}}},
            }
        },
        "required": ["items"],
        "additionalProperties": False,
    }
    found = list(strict_problems(schema))
    assert found[0] == (
        ("properties", "items", "items"),
        "every object needs additionalProperties = false",
    )
    assert found[1][1] == "every property must be required; not listed: n"


def test_a_broken_schema_file_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{\n  "type": "object",\n  "properties": {,}\n}', "utf-8")
    (tmp_path / "loose.json").write_text(
        '{\n  "type": "object",\n  "properties": {\n    "a": {"type": "string"}\n  },\n'
        '  "required": ["a"]\n}',
        "utf-8",
    )
    text = '[schemas.broken]\nfile = "broken.json"\n[schemas.loose]\nfile = "loose.json"\n'
    text += '[schemas.gone]\nfile = "gone.json"\n'
    schemas, problems = load(tmp_path, text)
    assert schemas == {}
    assert problems[0].startswith(
        f"{tmp_path / 'broken.json'}, line 3, schemas.broken: not valid JSON"
    )
    assert problems[1].startswith(f"{tmp_path / 'loose.json'}, line 1, schemas.loose:")
    assert "additionalProperties = false" in problems[1]
    assert problems[2].startswith(f"{tmp_path / 'gone.json'}, schemas.gone: cannot read")


def test_json_line_follows_the_keys_in_order() -> None:
    text = '{\n  "properties": {\n    "a": {\n      "type": "x"\n    }\n  }\n}'
    assert json_line(text, ("properties", "a", "type")) == 4
    assert json_line(text, ()) == 1


def test_response_format_takes_a_schema_name() -> None:
    assert ExtraParams(response_format="json_schema: answer ").response_format == (
        "json_schema:answer"
    )
    with pytest.raises(ParamError, match="text or json_object, or json_schema:NAME"):
        ExtraParams(response_format="json_schema:")


def test_the_request_carries_the_schema_in_openais_shape() -> None:
    answer = NamedSchema("answer", {"type": "object"}, strict=False)
    params = Params(model="gpt-4o-mini", extra=ExtraParams(response_format="json_schema:answer"))
    history = [Message(role="user", content="hi")]
    request = build_request(params, history, schemas={"answer": answer})
    assert request.extra["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": {"type": "object"}, "strict": False},
    }
    assert format_problem(params, {"answer": answer}) is None
    problem = format_problem(params, {})
    assert problem is not None and "no valid schema [schemas.answer]" in problem
    assert "response_format" not in build_request(params, history, schemas={}).extra
    json_mode = Params(model="gpt-4o-mini", extra=ExtraParams(response_format="json_object"))
    assert build_request(json_mode, history).extra["response_format"] == {"type": "json_object"}


SCHEMA_FORMAT = NamedSchema(
    "answer",
    {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "boolean"}}},
        "required": ["items"],
        "additionalProperties": False,
    },
).wire()


def test_a_reply_that_matches() -> None:
    check = check_structured(SCHEMA_FORMAT, '{"items": [true, false]}')
    assert check == StructuredCheck("answer", True)
    assert check.line() == "✓ matches the schema answer"


def test_a_reply_that_does_not_names_the_first_error_and_its_path() -> None:
    check = check_structured(SCHEMA_FORMAT, '{"items": [true, "no"]}')
    assert check is not None and not check.valid
    assert check.path == "$.items[1]"
    assert (
        check.line()
        == "✗ does not match the schema answer at $.items[1]: 'no' is not of type 'boolean'"
    )
    broken = check_structured(SCHEMA_FORMAT, '{"items": [tr')
    assert broken is not None and broken.error.startswith("not JSON")


def test_json_object_mode_and_plain_text() -> None:
    assert check_structured({"type": "json_object"}, '{"a": 1}') == StructuredCheck(None, True)
    assert check_structured({"type": "json_object"}, "[1]") == StructuredCheck(
        None, False, "not a JSON object"
    )
    assert check_structured({"type": "text"}, "hi") is None
    assert check_structured(None, "hi") is None


def test_pretty_json_and_the_saved_check() -> None:
    assert pretty_json('{"a":[1,2]}') == '{\n  "a": [\n    1,\n    2\n  ]\n}'
    assert pretty_json("not json") is None
    assert pretty_json("3") is None
    message = Message(
        role="assistant",
        content="{}",
        structured=StructuredCheck("answer", False, "boom", "$.a"),
        refusal=None,
    )
    data = message.to_dict()
    assert data["structured"] == {
        "schema": "answer",
        "valid": False,
        "error": "boom",
        "path": "$.a",
    }
    assert "refusal" not in data
    assert Message.from_dict(data).structured == message.structured
    assert "structured" not in Message(role="assistant", content="x").to_dict()
