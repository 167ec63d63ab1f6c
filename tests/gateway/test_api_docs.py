"""docs/api/ is the gateway's OpenAPI document as rendered by scripts/render_api_docs.py.

A route or schema changed without `make api-docs` fails here: the files are rendered again into a
temporary folder (in a child process, so the script's own environment does not leak into this
suite's) and compared byte for byte with the committed ones.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "render_api_docs.py"
COMMITTED = ROOT / "docs" / "api"
FILES = ("gateway-openapi.json", "gateway.md")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("api-docs")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return out


@pytest.mark.parametrize("name", FILES)
def test_committed_api_docs_are_current(rendered: Path, name: str) -> None:
    committed = COMMITTED / name
    assert committed.is_file(), f"{committed.relative_to(ROOT)} is missing: run `make api-docs` and commit it"
    fresh = (rendered / name).read_text(encoding="utf-8")
    assert committed.read_text(encoding="utf-8") == fresh, (
        f"{committed.relative_to(ROOT)} is stale (routes or schemas changed): run `make api-docs` and commit docs/api/"
    )


def test_json_is_the_apps_openapi_with_sorted_keys(rendered: Path) -> None:
    text = (rendered / "gateway-openapi.json").read_text(encoding="utf-8")
    spec = json.loads(text)
    assert spec["paths"]["/api/v1/orders"]["post"]["summary"]
    assert text == json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def test_markdown_has_every_operation(rendered: Path) -> None:
    spec = json.loads((rendered / "gateway-openapi.json").read_text(encoding="utf-8"))
    markdown = (rendered / "gateway.md").read_text(encoding="utf-8")
    for path, item in spec["paths"].items():
        for method in item:
            assert f"### `{method.upper()} {path}`" in markdown


def test_rendering_twice_gives_the_same_files(rendered: Path, tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path)],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True, capture_output=True, timeout=300,
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (rendered / name).read_bytes()
