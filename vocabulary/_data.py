"""Reading hotline.yml: the file is read once, on the first import of the package.

Each module takes its section and checks its shape, so a mistake in the file stops the
import with the place named (``VocabularyError: hotline.yml: districts[2].aliases …``)
instead of surfacing as a wrong answer later.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).with_name("hotline.yml")


class VocabularyError(ValueError):
    """hotline.yml does not have the shape the package reads."""


def load(path: Path = DATA_FILE) -> dict[str, Any]:
    """The file's top-level mapping."""
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    if not isinstance(data, dict):
        raise VocabularyError(f"{path.name}: the top level must be a mapping")
    return data


DATA: dict[str, Any] = load()


def section(key: str, data: Mapping[str, Any] | None = None) -> Any:
    source = DATA if data is None else data
    if key not in source:
        raise VocabularyError(f"hotline.yml: '{key}' is missing")
    return source[key]


def text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise VocabularyError(f"hotline.yml: {where} must be a non-empty string, not {value!r}")
    return value


def integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise VocabularyError(f"hotline.yml: {where} must be a whole number of at least 1, not {value!r}")
    return value


def flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise VocabularyError(f"hotline.yml: {where} must be true or false, not {value!r}")
    return value


def mapping(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise VocabularyError(f"hotline.yml: {where} must be a mapping")
    for key in value:
        text(key, f"a key of {where}")
    return value


def items(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list) or not value:
        raise VocabularyError(f"hotline.yml: {where} must be a non-empty list")
    return value


def texts(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise VocabularyError(f"hotline.yml: {where} must be a list")
    return tuple(text(item, f"{where}[{i}]") for i, item in enumerate(value))


def labels(value: Any, where: str) -> dict[str, str]:
    return {key: text(label, f"{where}.{key}") for key, label in mapping(value, where).items()}


def unique(names: list[str], where: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise VocabularyError(f"hotline.yml: '{name}' appears twice in {where}")
        seen.add(name)
