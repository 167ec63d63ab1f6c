"""The Rasa project itself: data validation and the test stories (`rasa test core`)."""
from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"


def _rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(RASA), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


def test_rasa_data_validate_is_clean():
    result = _rasa("data", "validate", "--domain", "bot/domain", "--data", "bot/data", "--config", "config.yml",
                   "--fail-on-warnings")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]


def test_story_count():
    import yaml

    stories = []
    for path in sorted((ROOT / "tests" / "bot" / "stories").glob("*.yml")):
        stories += yaml.safe_load(path.read_text(encoding="utf-8")).get("stories", [])
    assert len(stories) >= 30


def test_stories_pass(tmp_path):
    result = _rasa("test", "core", "--stories", "tests/bot/stories", "--model", "models/hotline.tar.gz",
                   "--endpoints", "endpoints.yml", "--out", str(tmp_path), "--fail-on-prediction-errors")
    failed = (tmp_path / "failed_test_stories.yml")
    detail = failed.read_text(encoding="utf-8")[:6000] if failed.exists() else ""
    assert result.returncode == 0, detail + result.stdout[-3000:] + result.stderr[-3000:]
