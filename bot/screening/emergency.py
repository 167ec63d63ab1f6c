"""Deterministic emergency screening (110 / 119 / 120 / 122).

``detect_emergency(text)`` looks for cues of an emergency happening *now* and
returns the kinds involved.  It is deliberately conservative about messages that
merely *mention* emergencies: complaints, consultations, praise, suggestions,
past events, news and hypotheticals are suppressed unless the message also says
that something is going on right now (see ``emergency_lexicon.py`` for the data
and the rules in plain words).

The NLU model is the second net: the Rasa component ``ScreeningOverride`` only
*adds* emergencies found here and never removes one predicted by the model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Dict, List, Optional, Pattern, Tuple

from bot.screening import emergency_lexicon as lex
from bot.screening.normalize import CLAUSE_BREAK, SENTENCE_BREAK, normalize_with_map

__all__ = ["EmergencyResult", "detect_emergency", "KINDS"]

KINDS: Tuple[str, ...] = lex.KINDS

# Hard cap on how many raw matches of one cue are examined; keeps pathological
# inputs (100k characters of the same cue word) linear and bounded.
_MAX_MATCHES_PER_CUE = 50


@dataclass(frozen=True)
class EmergencyResult:
    """Outcome of :func:`detect_emergency`.

    ``kinds``      ordered by first evidence in the text, subset of KINDS.
    ``evidence``   the normalised cue strings that fired, in text order.
    ``spans``      ``(kind, start, end)`` in the *original* text, one per kind
                   (first evidence for that kind).
    ``suppressed_by`` why cues that were found did not count (for logs/tests): frame
                   labels (complaint, praise, suggestion, consult, past, media, habitual)
                   or ``weak_only`` (only weak cues and no urgency marker).
    """

    is_emergency: bool
    kinds: Tuple[str, ...] = ()
    evidence: Tuple[str, ...] = ()
    spans: Tuple[Tuple[str, int, int], ...] = ()
    suppressed_by: Tuple[str, ...] = ()


_NO_EMERGENCY = EmergencyResult(False)


# --------------------------------------------------------------------------- compile
_MACRO_RE = re.compile(r"\{(" + "|".join(lex.MACROS) + r")\}")


def _expand(pattern: str) -> str:
    previous = None
    while previous != pattern:  # macros may contain macros
        previous = pattern
        pattern = _MACRO_RE.sub(lambda m: lex.MACROS[m.group(1)], pattern)
    return pattern


def _compile(pattern: Optional[str]) -> Optional[Pattern[str]]:
    return re.compile(_expand(pattern)) if pattern else None


@dataclass(frozen=True)
class _Cue:
    kinds: Tuple[str, ...]
    regex: Pattern[str]
    strong: bool
    requires: Optional[Pattern[str]]
    excludes: Optional[Pattern[str]]


def _build_cues() -> Tuple[_Cue, ...]:
    cues = []
    for kinds, pattern, strength, requires, excludes in lex.CUES:
        if strength not in ("strong", "weak"):
            raise ValueError(f"bad strength {strength!r} for {pattern!r}")
        unknown = set(kinds) - set(KINDS)
        if unknown:
            raise ValueError(f"unknown kinds {unknown} for {pattern!r}")
        cues.append(_Cue(tuple(kinds), _compile(pattern), strength == "strong", _compile(requires), _compile(excludes)))
    return tuple(cues)


_CUES = _build_cues()
_NEGATOR_RE = _compile(lex.NEGATOR_BEFORE)
_HYPOTHETICAL_RE = _compile(lex.HYPOTHETICAL_BEFORE)
_GENERIC_AFTER_RE = _compile(lex.GENERIC_AFTER)
_FRAME_RES: Dict[str, Pattern[str]] = {label: _compile(p) for label, p in lex.NON_EMERGENCY_FRAMES.items()}
_OVERRIDE_RE = _compile(lex.OVERRIDE)
_URGENCY_RE = _compile(lex.URGENCY)
_NOW_BEFORE_RE = _compile(lex.NOW_BEFORE)
_RESCUED_AFTER_RE = _compile(lex.RESCUED_AFTER)
_CRITICAL_RE = _compile(lex.CRITICAL)
_TOPIC_SWITCH_RE = _compile(lex.TOPIC_SWITCH)
_GRAVE_RE = _compile(lex.GRAVE)
_WORSENING_RE = _compile(lex.WORSENING)
_PAST_RE = _compile(lex.NON_EMERGENCY_FRAMES["past"])
_MEDIA_RE = _compile(lex.NON_EMERGENCY_FRAMES["media"])
_CONSULT_RE = _compile(lex.NON_EMERGENCY_FRAMES["consult"])
# characters around a grave sign or a worsening that must tell no past, hearsay or question
GRAVE_WINDOW = 12
# how far after a cue its worsening may be told ("很大的煤气味 就是天然气那种臭味 从下午就有 越来越浓了")
WORSENING_WINDOW = 30


# --------------------------------------------------------------------------- helpers
@dataclass(frozen=True)
class _Hit:
    cue: _Cue
    start: int
    end: int
    text: str
    strong: bool
    now: bool


def _boundaries(norm: str, start: int, end: int, seps: str) -> Tuple[int, int]:
    """Start and end of the unit (clause or sentence) around ``[start, end)``."""
    left = max(norm.rfind(s, 0, start) for s in seps) + 1
    rights = [i for i in (norm.find(s, end) for s in seps) if i != -1]
    right = min(rights) if rights else len(norm)
    return left, right


def _examine(norm: str, cue: _Cue, m: "re.Match[str]") -> Optional[_Hit]:
    start, end = m.start(), m.end()
    c_left, c_right = _boundaries(norm, start, end, CLAUSE_BREAK + SENTENCE_BREAK)
    s_left, s_right = _boundaries(norm, start, end, SENTENCE_BREAK)

    before = norm[max(c_left, start - lex.NEGATOR_WINDOW):start]
    if _NEGATOR_RE.search(before):
        return None
    if _HYPOTHETICAL_RE.search(norm[c_left:start]):
        return None
    if _GENERIC_AFTER_RE.search(norm[end:c_right]):
        return None
    if cue.excludes is not None:
        window = norm[max(s_left, start - lex.EXCLUDES_WINDOW):min(s_right, end + lex.EXCLUDES_WINDOW)]
        if cue.excludes.search(window):
            return None
    if "fire" in cue.kinds and _RESCUED_AFTER_RE.search(norm[end:s_right]):
        return None  # the trapped are out already
    strong = cue.strong
    if strong and cue.requires is not None:
        window = norm[max(s_left, start - lex.REQUIRES_WINDOW):min(s_right, end + lex.REQUIRES_WINDOW)]
        strong = bool(cue.requires.search(window))
    now = bool(_NOW_BEFORE_RE.search(norm[max(c_left, start - lex.NOW_WINDOW):start]))
    return _Hit(cue, start, end, m.group(0), strong, now)


def _window(norm: str, hit: "_Hit", before: int, after: int) -> str:
    """The text around a hit within its sentence (the normaliser drops spaces, so citizens'
    space-separated clauses are no clauses here: characters are counted)."""
    s_left, s_right = _boundaries(norm, hit.start, hit.end, SENTENCE_BREAK)
    return norm[max(s_left, hit.start - before):min(s_right, hit.end + after)]


def _grave_now(norm: str, hit: "_Hit") -> bool:
    """A grave sign (叫不醒, 药瓶子空了) with no past, hearsay or question close around it."""
    if not _GRAVE_RE.search(_window(norm, hit, 0, GRAVE_WINDOW)):
        return False
    local = _window(norm, hit, GRAVE_WINDOW, GRAVE_WINDOW)
    return not (_PAST_RE.search(local) or _MEDIA_RE.search(local) or _CONSULT_RE.search(local))


def _first_hit(norm: str, cue: _Cue) -> Optional[_Hit]:
    for n, m in enumerate(cue.regex.finditer(norm)):
        if n >= _MAX_MATCHES_PER_CUE:
            return None
        hit = _examine(norm, cue, m)
        if hit is not None:
            return hit
    return None


def _original_span(index_map: List[int], start: int, end: int, text_len: int) -> Tuple[int, int]:
    if not index_map or start >= len(index_map):
        return 0, text_len
    o_start = index_map[start]
    o_end = index_map[min(end, len(index_map)) - 1] + 1
    return o_start, max(o_end, o_start + 1)


# --------------------------------------------------------------------------- API
def detect_emergency(text: str) -> EmergencyResult:
    """Screen one citizen message for an emergency happening now.

    Returns ``EmergencyResult(is_emergency, kinds, evidence, spans, suppressed_by)``.
    Never raises for str input (``None`` and non-strings count as empty).
    """
    if not text or not isinstance(text, str):
        return _NO_EMERGENCY
    norm, index_map = normalize_with_map(text)
    if not norm.strip(CLAUSE_BREAK + SENTENCE_BREAK):
        return _NO_EMERGENCY

    hits = [h for h in (_first_hit(norm, cue) for cue in _CUES) if h is not None]
    if not hits:
        return _NO_EMERGENCY

    frames = tuple(label for label, rx in _FRAME_RES.items() if rx.search(norm))
    override = bool(_OVERRIDE_RE.search(norm)) or any(h.now for h in hits)
    switch = max((m.end() for m in _TOPIC_SWITCH_RE.finditer(norm)), default=None)
    if frames and not override and switch is not None:
        # "…物业的事我先说清楚，对了我老伴刚才胸口疼得厉害，喘不上气": after a change of topic the
        # frames of the matter told before do not hold for what is told now
        tail, tail_hits = norm[switch:], [h for h in hits if h.start >= switch]
        tail_frames = tuple(label for label, rx in _FRAME_RES.items() if rx.search(tail))
        tail_override = bool(_OVERRIDE_RE.search(tail)) or any(h.now for h in tail_hits)
        if tail_hits and (not tail_frames or tail_override):
            hits, frames, override = tail_hits, (), tail_override
    if frames and not override:
        grave = [h for h in hits if _grave_now(norm, h)]
        worsening = [h for h in hits if _WORSENING_RE.search(_window(norm, h, 0, WORSENING_WINDOW))
                     and not _PAST_RE.search(_window(norm, h, GRAVE_WINDOW, GRAVE_WINDOW))]
        if not (grave or worsening):
            return EmergencyResult(False, suppressed_by=frames)
        hits, override = grave or worsening, True

    has_strong = any(h.strong for h in hits)
    urgent = override or bool(_URGENCY_RE.search(norm))
    if not has_strong and not urgent:
        return EmergencyResult(False, suppressed_by=("weak_only",))

    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kinds: List[str] = []
    evidence: List[str] = []
    spans: List[Tuple[str, int, int]] = []
    covered: List[Tuple[int, int]] = []
    for hit in hits:
        inside = any(s <= hit.start and hit.end <= e for s, e in covered)
        if not inside and hit.text not in evidence:
            evidence.append(hit.text)
            covered.append((hit.start, hit.end))
        for kind in hit.cue.kinds:
            if kind not in kinds:
                kinds.append(kind)
                spans.append((kind, *_original_span(index_map, hit.start, hit.end, len(text))))
    if "traffic" in kinds and "medical" in kinds:
        # a crash with someone hurt: 122 first, 120 beside it ("发生交通事故有人受伤，拨打122，同时拨打120");
        # someone who cannot move, does not respond or is trapped: the ambulance first
        first, second = ("medical", "traffic") if _CRITICAL_RE.search(norm) else ("traffic", "medical")
        if kinds.index(first) > kinds.index(second):
            kinds.remove(first)
            kinds.insert(kinds.index(second), first)
    return EmergencyResult(True, tuple(kinds), tuple(evidence), tuple(spans))
