"""What an image costs in prompt tokens, by OpenAI's published rules per model family.

Two rules (OpenAI's "Images and vision" guide, "Calculating costs"):

- **Tiles** (gpt-4o, gpt-4.1, gpt-4.5, gpt-4o-mini, o1, o3, gpt-5, computer-use): at
  ``high``/``auto`` detail the image is scaled to fit a 2048 square, then so its shortest
  side is 768 px (never up); it costs a base plus a per-tile figure for each 512 px tile.
  At ``low`` detail it costs the base alone. A 1024×1024 image on gpt-4o at auto detail:
  768×768, 4 tiles, 85 + 4 × 170 = 765 tokens.
- **Patches** (gpt-4.1-mini, gpt-4.1-nano, o4-mini, gpt-5-mini, gpt-5-nano): the number of
  32 px patches, capped at 1,536 by scaling the image down, times the family's multiplier.

Models outside these tables (local ones, other vendors) are counted with gpt-4o's rule and
the count is an estimate.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Literal

Detail = Literal["auto", "low", "high"]
DETAILS: tuple[Detail, ...] = ("auto", "low", "high")
FIT_SQUARE = 2048
SHORT_SIDE = 768
TILE = 512
PATCH = 32
MAX_PATCHES = 1536


@dataclass(frozen=True, slots=True)
class ImageRule:
    """One family's figures: ``base`` and ``per_tile`` for tiles, or ``multiplier`` for
    patches (``per_tile`` 0)."""

    family: str
    base: int = 0
    per_tile: int = 0
    multiplier: float = 0.0

    @property
    def patches(self) -> bool:
        return self.multiplier > 0


GPT_4O = ImageRule("gpt-4o", 85, 170)
_RULES: tuple[tuple[str, ImageRule], ...] = (
    # Most specific first; matched against the name without a date or gateway prefix.
    (r"gpt-4o-mini.*", ImageRule("gpt-4o-mini", 2833, 5667)),
    (r"gpt-4\.1-mini.*|gpt-5(?:\.\d+)?-mini.*", ImageRule("gpt-4.1-mini", multiplier=1.62)),
    (r"gpt-4\.1-nano.*|gpt-5(?:\.\d+)?-nano.*", ImageRule("gpt-4.1-nano", multiplier=2.46)),
    (r"o4-mini.*", ImageRule("o4-mini", multiplier=1.72)),
    (r"computer-use.*", ImageRule("computer-use", 65, 129)),
    (r"gpt-5.*", ImageRule("gpt-5", 70, 140)),
    (r"o1(?:-pro)?(?:-\d.*)?|o3(?:-pro)?(?:-\d.*)?", ImageRule("o1/o3", 75, 150)),
    (r"gpt-4o.*|chatgpt-4o.*|gpt-4\.1.*|gpt-4\.5.*|gpt-4-turbo.*", GPT_4O),
)
_COMPILED = tuple((re.compile(pattern), rule) for pattern, rule in _RULES)


def rule_for(model: str) -> tuple[ImageRule, bool]:
    """The rule for ``model`` and whether it is the model's own (False: gpt-4o's, as a guess)."""
    name = model.strip().lower().rsplit("/", 1)[-1]
    for pattern, rule in _COMPILED:
        if pattern.fullmatch(name):
            return rule, True
    return GPT_4O, False


def scaled_size(width: int, height: int) -> tuple[int, int]:
    """The size the API works from: fit within a 2048 square, then shortest side 768 (only
    ever scaled down)."""
    if width <= 0 or height <= 0:
        return 0, 0
    factor = min(1.0, FIT_SQUARE / max(width, height))
    w, h = width * factor, height * factor
    factor = min(1.0, SHORT_SIDE / min(w, h))
    return max(1, math.floor(w * factor)), max(1, math.floor(h * factor))


def image_tokens(model: str, width: int, height: int, detail: Detail = "auto") -> int:
    """Prompt tokens of one ``width``×``height`` image sent to ``model`` at ``detail``."""
    rule, _own = rule_for(model)
    if rule.patches:
        return math.ceil(_patches(width, height) * rule.multiplier)
    if detail == "low":
        return rule.base
    w, h = scaled_size(width, height)
    tiles = math.ceil(w / TILE) * math.ceil(h / TILE)
    return rule.base + rule.per_tile * tiles


def _patches(width: int, height: int) -> int:
    """32 px patches of the image, scaled down until there are at most 1,536."""
    if width <= 0 or height <= 0:
        return 0
    count = math.ceil(width / PATCH) * math.ceil(height / PATCH)
    if count <= MAX_PATCHES:
        return count
    shrink = math.sqrt(PATCH * PATCH * MAX_PATCHES / (width * height))
    w, h = width * shrink, height * shrink
    shrink *= min(math.floor(w / PATCH) / (w / PATCH), math.floor(h / PATCH) / (h / PATCH))
    count = math.ceil(width * shrink / PATCH) * math.ceil(height * shrink / PATCH)
    return min(count, MAX_PATCHES)
