"""The Rasa project itself: data validation and the test stories (`rasa test core`)."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RASA = ROOT / ".venv" / "rasa" / "bin" / "rasa"


def _rasa(*args: str, timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(RASA), *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})


def _used_outside_stories(utterance: str) -> bool:
    """Responses that forms ask (utter_ask_<slot>) or actions send are not in stories by design."""
    if utterance.startswith("utter_ask_") or utterance == "utter_default":
        return True
    return any(utterance in path.read_text(encoding="utf-8") for path in (ROOT / "bot" / "actions").glob("*.py"))


# Intents that only channels and buttons send as payloads (never predicted from text), and
# the one EvidenceGate sets (bot/screening/gate.py: an emergency only the model suspects).
PAYLOAD_ONLY_INTENTS = {"share_location", "location_confirm", "location_reject", "emergency_suspected"}


def test_rasa_data_validate_is_clean():
    result = _rasa("data", "validate", "--domain", "bot/domain", "--data", "bot/data", "--config", "config.yml")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-6000:]
    warnings = [line for line in output.splitlines() if "UserWarning" in line and "auto-fill" not in line]
    unexpected = []
    for line in warnings:
        match = re.search(r"The utterance '(\w+)' is not used in any story or rule", line)
        if match and _used_outside_stories(match.group(1)):
            continue
        intent = re.search(r"The intent '(\w+)' is listed in the domain file, but is not found in the NLU", line)
        if intent and intent.group(1) in PAYLOAD_ONLY_INTENTS:
            continue
        unexpected.append(line)
    assert not unexpected, "\n".join(unexpected)


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
