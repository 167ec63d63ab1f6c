"""What the citizen wrote this time: quoted history and signatures cut off.

Covers Gmail ("在 2026年11月25日 … 写道：", "On … wrote:"), QQ/Foxmail/NetEase
("------------------ 原始邮件 ------------------", "发件人：… 发送时间：…"), Outlook
("-----Original Message-----", "From: … Sent: …", a line of underscores), "> " lines,
the "-- " signature separator and "发自我的iPhone"-style lines.
"""
from __future__ import annotations

import re
from typing import List

_CUT_LINE = re.compile(
    r"^\s*("
    r"-{2,}\s*(原始邮件|原邮件|回复的原邮件|转发邮件|Original Message|Forwarded message)\s*-{2,}.*"
    r"|_{10,}\s*"
    r"|On .{4,200}wrote:\s*"
    r"|在\s?.{4,200}写道\s*[:：]\s*"
    r"|.{0,120}\d{4}[-/年].{0,80}写道\s*[:：]\s*"
    r")$",
    re.IGNORECASE,
)
# a header block of a quoted mail: "发件人: …" followed within a few lines by its time/recipient
_HEADER_START = re.compile(r"^\s*[*]?\s*(发件人|From)\s*[*]?\s*[:：]", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*[*]?\s*(发送时间|时间|日期|Sent|Date|收件人|To|主题|Subject)\s*[*]?\s*[:：]", re.IGNORECASE)
# "在 2026年11月25日 周三 10:00，" on one line and "商洛12345热线 <…> 写道：" on the next (Gmail wraps)
_WROTE_END = re.compile(r"写道\s*[:：]\s*$|wrote:\s*$", re.IGNORECASE)
_WROTE_START = re.compile(r"^\s*(在|On)\s", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*[>＞]")
_SIGNATURE = re.compile(
    r"^\s*("
    r"--\s*"
    r"|—{2,}\s*"
    r"|发自\s*(我的|网易|QQ|Outlook|iPhone|iPad|HUAWEI|华为|荣耀|小米|Android|安卓|手机|Foxmail|邮箱)[^。，,]{0,24}"
    r"|来自\s*.{0,12}(邮箱|Mail|客户端|iPhone|Android)(大师|App)?\s*"
    r"|(Sent from|Get Outlook for)\s.{0,40}"
    r"|此致[！!。，,\s]*(敬礼[！!。]*)?"
    r")$",
    re.IGNORECASE,
)


def _cut_index(lines: List[str]) -> int:
    for i, line in enumerate(lines):
        if _CUT_LINE.match(line):
            return i
        if _WROTE_END.search(line) and i > 0 and _WROTE_START.match(lines[i - 1]):
            return i - 1
        if _HEADER_START.match(line):
            following = lines[i + 1 : i + 5]
            if sum(1 for nxt in following if _HEADER_NEXT.match(nxt)) >= 1:
                return i
    return len(lines)


def strip_quoted(text: str) -> str:
    """The new part of a reply: history, quoted lines and signature removed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = lines[: _cut_index(lines)]
    lines = [line for line in lines if not _QUOTED.match(line)]
    for i, line in enumerate(lines):
        if _SIGNATURE.match(line):
            lines = lines[:i]
            break
    out = "\n".join(line.rstrip() for line in lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


# A letter's greeting and closing ("尊敬的12345热线：", "您好！", "谢谢！") say nothing about the
# matter and confuse the bot's intent reading, so they are left out when there is more.
_GREETING_LINE = re.compile(
    r"^\s*(尊敬的[^\n，,。！!：:]{0,24}|[^\n，,。！!]{0,12}(您好|你好|大家好)|各位(领导|老师|工作人员|同志)|Dear[^\n]{0,30}|Hi|Hello)"
    r"\s*[：:，,！!。]?\s*$",
    re.IGNORECASE,
)
_GREETING_PREFIX = re.compile(r"^\s*(尊敬的[^：:，,\n]{0,24}|[^：:，,。！!\n]{0,10}(您好|你好))\s*[：:，,！!。]\s*")
_CLOSING_LINE = re.compile(r"^\s*(谢谢|感谢|多谢|万分感谢|非常感谢|盼复|望回复|期待回复|期待您的回复|麻烦了|辛苦了)[^\n]{0,8}?[！!。.~～]*\s*$")


def strip_greeting(text: str) -> str:
    lines = text.split("\n")
    while lines and (not lines[0].strip() or _GREETING_LINE.match(lines[0])) and any(l.strip() for l in lines[1:]):
        lines.pop(0)
    while lines and (not lines[-1].strip() or _CLOSING_LINE.match(lines[-1])) and any(l.strip() for l in lines[:-1]):
        lines.pop()
    out = "\n".join(lines).strip()
    rest = _GREETING_PREFIX.sub("", out, count=1)
    return rest if rest.strip() else out
