"""Text normalisation shared by the screening modules (standard library only).

* full-width → half-width and other compatibility forms (Unicode NFKC),
* common traditional characters → simplified (a small hand-written table that covers
  the words the screening lexicons use, not a general converter),
* upper → lower case,
* whitespace removed, punctuation turned into clause (``|``) or sentence (``#``)
  separators so that patterns never match across them,
* a map from every normalised character back to its index in the original text.
"""
from __future__ import annotations

import unicodedata
from typing import Dict, List, Tuple

CLAUSE_BREAK = "|"
SENTENCE_BREAK = "#"

# Traditional → simplified, written as space-separated pairs "繁简".
_TRAD_SIMP_PAIRS = (
    "著着 災灾 車车 禍祸 搶抢 報报 殺杀 傷伤 燒烧 煙烟 氣气 洩泄 漏漏 暈晕 "
    "難难 綁绑 還还 裡里 裏里 這这 個个 們们 對对 門门 開开 關关 電电 話话 醫医 "
    "費费 貴贵 態态 應应 該该 幫帮 讓让 發发 現现 馬马 趕赶 緊紧 來来 過过 問问 "
    "題题 嗎吗 為为 麼么 爐炉 壓压 盜盗 竊窃 闖闯 狀状 痙痉 攣挛 臟脏 腦脑 嚴严 "
    "產产 婦妇 動动 彈弹 滅灭 熱热 廠厂 樓楼 層层 戶户 處处 溝沟 隊队 員员 區区 "
    "縣县 鎮镇 衛卫 裝装 據据 說说 認认 證证 書书 領领 訴诉 訟讼 議议 設设 診诊 "
    "號号 掛挂 護护 救救 險险 療疗 務务 據据 歲岁 頭头 臉脸 嚨咙 窒窒 息息 溺溺 "
    "淹淹 搖摇 擺摆 斷断 氣气 體体 學学 師师 記记 錄录 寫写 讀读 聽听 見见 覺觉 "
    "親亲 愛爱 媽妈 爺爷 孫孙 兒儿 孩孩 歲岁 劇剧 夢梦 網网 聞闻 視视 頻频 紀纪 "
    "檢检 舉举 訪访 復复 審审 請请 權权 環环 濟济 價价 錢钱 買买 賣卖 貨货 "
    "雞鸡 魚鱼 鳥鸟 龍龙 鄉乡 郵邮 鐵铁 橋桥 場场 園园 際际 陽阳 陰阴 陝陕 "
    "絲丝 鳳凤 澗涧 灣湾 嶺岭 寶宝 黃黄 東东 湯汤 鄭郑 廣广 蘭兰 漢汉 寧宁 "
    "遼辽 蘇苏 濱滨 雲云 貴贵 黑黑 爾尔 齊齐 慶庆 陸陆 韓韩 邊边 "
    "強强 姦奸 猥猥 褻亵 綁绑 槍枪 彈弹 爆爆 炸炸 滾滚 濃浓 嗆呛 漲涨 塌塌 "
    "墜坠 崖崖 衝冲 撞撞 翻翻 傾倾 側侧 線线 點点 燈灯 燃燃 灑洒 澆浇 "
    "溫温 燙烫 搶抢 劃划 騙骗 詐诈 轉转 滙汇 匯汇 騎骑 摩摩 輛辆 輪轮 "
    "駕驾 駛驶 肇肇 逃逃 逸逸 穩稳 憂忧 慮虑 擔担 鬧闹 亂乱 廳厅 機机 "
    "飛飞 鐘钟 時时 間间 條条 頓顿 歡欢 慶庆 嚇吓 顧顾 聯联 繫系 係系 "
    "經经 濟济 纏缠 擾扰 惱恼 嗎吗 麼么 嘛嘛 呢呢 啊啊 囉啰 哪哪 誰谁 "
    "給给 沒没 們们 會会 壞坏 樣样 從从 麵面 濕湿 巾巾 撥拨 吳吴 劉刘 楊杨 "
    "張张 陳陈 趙赵 孫孙 許许 鄧邓 蕭萧 馮冯 盧卢 蔣蒋 蔡蔡 賈贾 閆闫 "
    "藥药 農农 毒毒 誤误 錯错 喫吃 噴喷 吐吐 瀉泻 蟲虫 樹树 壩坝 澇涝 "
    "颱台 風风 雷雷 擊击 觸触 勞劳 動动 爭争 裁裁 議议 監监 察察 罰罚 "
)
TRAD_TO_SIMP: Dict[str, str] = {}
for _pair in _TRAD_SIMP_PAIRS.split():
    if len(_pair) == 2 and _pair[0] != _pair[1]:
        TRAD_TO_SIMP[_pair[0]] = _pair[1]

# Characters that end a sentence (stronger break) – everything else that is
# punctuation ends a clause.
_SENTENCE_END = set("。！？!?；;\n\r…")


def _is_punct_or_symbol(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return cat[0] in ("P", "S") or cat in ("Cc", "Cf", "Zl", "Zp")


def normalize_char(ch: str) -> str:
    """NFKC + lower case + traditional → simplified for one character (may grow)."""
    out = unicodedata.normalize("NFKC", ch).lower()
    return "".join(TRAD_TO_SIMP.get(c, c) for c in out)


def normalize_with_map(text: str) -> Tuple[str, List[int]]:
    """Normalised text for matching, plus ``index_map[i]`` = original index of char ``i``.

    Whitespace disappears; punctuation becomes ``|`` (clause) or ``#`` (sentence);
    runs of separators collapse into one (a sentence break wins over a clause break).
    """
    out: List[str] = []
    index_map: List[int] = []
    for i, raw in enumerate(text or ""):
        if raw in _SENTENCE_END:
            _add_break(out, index_map, SENTENCE_BREAK, i)
            continue
        for ch in normalize_char(raw):
            if ch.isspace():
                continue
            if ch in (CLAUSE_BREAK, SENTENCE_BREAK) or _is_punct_or_symbol(ch):
                # '+' and '-' inside numbers carry no meaning for screening either
                _add_break(out, index_map, SENTENCE_BREAK if ch in _SENTENCE_END else CLAUSE_BREAK, i)
                continue
            out.append(ch)
            index_map.append(i)
    return "".join(out), index_map


def _add_break(out: List[str], index_map: List[int], sep: str, i: int) -> None:
    if not out:
        return
    last = out[-1]
    if last in (CLAUSE_BREAK, SENTENCE_BREAK):
        if sep == SENTENCE_BREAK and last == CLAUSE_BREAK:
            out[-1] = SENTENCE_BREAK
            index_map[-1] = i
        return
    out.append(sep)
    index_map.append(i)


def normalize(text: str) -> str:
    """Normalised text only (see :func:`normalize_with_map`)."""
    return normalize_with_map(text)[0]


def compact(text: str) -> str:
    """Normalised text with every separator removed (for exact look-ups)."""
    norm = normalize(text)
    return norm.replace(CLAUSE_BREAK, "").replace(SENTENCE_BREAK, "")
