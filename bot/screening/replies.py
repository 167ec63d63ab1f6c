"""Chinese reply texts for screening outcomes (emergency, out of scope, other region).

Rules quoted: 《商洛市12345政务服务便民热线运行管理暂行办法》(商政办发〔2024〕27号)
第二条 (non-police, non-emergency platform), 第七条 (not accepted), 第八条 (explain and
point to the right channel), 第二十三条 (cross-region matters go to the provincial platform).
"""
from __future__ import annotations

from typing import Dict, Iterable, Optional, Tuple

from bot.screening.districts import SHAANXI, region_info

__all__ = ["EMERGENCY_NUMBERS", "OOS_CLASSES", "emergency_reply", "refusal_reply", "cross_region_reply"]

KIND_ORDER: Tuple[str, ...] = ("police", "fire", "medical", "traffic")

# kind → (number, what it is for)
EMERGENCY_NUMBERS: Dict[str, Tuple[str, str]] = {
    "police": ("110", "报警"),
    "fire": ("119", "火警/抢险救援"),
    "medical": ("120", "医疗急救"),
    "traffic": ("122", "交通事故报警"),
}

_SAFETY_ADVICE: Dict[str, str] = {
    "police": "报警时说清楚具体位置和现场情况；先保证自己和家人的安全，远离危险的人，不要与持械人员正面冲突。",
    "fire": (
        "火警：说清楚详细地址、什么东西着火、有没有人被困；用湿毛巾捂住口鼻，弯腰低姿从安全出口撤离，"
        "不要乘电梯，不要返回取东西。燃气泄漏：不要开关电器、不要点火，关闭燃气阀门，打开门窗，到室外再打电话。"
    ),
    "medical": (
        "急救：说清楚地址、病人年龄和症状，保持电话畅通，派人到路口接救护车；不要随意搬动伤者，"
        "出血时用干净的布用力压住伤口，病人没有呼吸时可以按 120 调度员的指导做心肺复苏。"
    ),
    "traffic": (
        "交通事故：打开危险报警闪光灯，在来车方向放置三角警告牌，车上人员撤到护栏外等安全地方；"
        "有人受伤请同时拨打 120，不要随意移动伤者。"
    ),
}

_NOT_AN_ORDER = (
    "商洛 12345 热线是非警务、非紧急类的服务平台（热线办法第二条），紧急救助不在受理范围（第七条），"
    "这次不会为您登记工单，请以拨打上面的电话为先。"
)


def _ordered_kinds(kinds: Optional[Iterable[str]]) -> Tuple[str, ...]:
    seen = []
    for kind in kinds or ():
        if kind in EMERGENCY_NUMBERS and kind not in seen:
            seen.append(kind)
    return tuple(seen)


def emergency_reply(kinds: Optional[Iterable[str]] = None, suspected: bool = False) -> str:
    """Tell the citizen to call the emergency number(s) now, with brief safety advice.

    ``kinds`` is a subset of police / fire / medical / traffic, most important first;
    unknown or empty kinds list all four numbers. ``suspected``: only the classifier
    thinks it is an emergency, so the request goes on afterwards (the caller says how)
    and the reply does not say that no order will be taken.
    """
    ordered = _ordered_kinds(kinds)
    if not ordered and suspected:
        return (
            "如果现在就有危险——有人受伤或昏迷、起火、闻到燃气味、正在发生违法犯罪、出了交通事故——"
            "请立即拨打：110 报警，119 火警/抢险救援，120 医疗急救，122 交通事故报警。"
        )
    if not ordered:
        first = (
            "请立即拨打紧急电话：110 报警，119 火警/抢险救援，120 医疗急救，122 交通事故报警！"
            "一时不确定打哪个，就先打 110，警方会联动处置。"
        )
        advice = ["先保证自己和身边人的安全，打电话时说清楚详细地址和现场情况。"]
    else:
        numbers = "，".join(f"{EMERGENCY_NUMBERS[k][0]}（{EMERGENCY_NUMBERS[k][1]}）" for k in ordered)
        first = f"请立即拨打 {numbers}！" if len(ordered) == 1 else f"请立即拨打以下电话：{numbers}！"
        advice = [_SAFETY_ADVICE[k] for k in ordered]
        others = [k for k in KIND_ORDER if k not in ordered]
        # the lexicon can miss a second kind (a crash with a wounded person): every other
        # number stays one glance away, after the one that matters first
        advice.append("如情况还涉及其他险情，也可拨打：" + "，".join(
            f"{EMERGENCY_NUMBERS[k][0]}（{EMERGENCY_NUMBERS[k][1]}）" for k in others) + "。")
    if suspected:
        return "\n".join([first, *advice])
    return "\n".join([first, *advice, _NOT_AN_ORDER])


_ARTICLE_7 = "按照热线受理范围（热线办法第七条）"

_REFUSALS: Dict[str, str] = {
    "court": (
        f"您反映的是法院职责范围内的事项，{_ARTICLE_7}，12345 热线不能受理。"
        "立案、审判、执行等问题，请直接联系有关法院，或拨打 12368 诉讼服务热线咨询。"
        "如果还有其他需要政府部门办理的诉求，欢迎继续告诉我。"
    ),
    "procuratorate": (
        f"您反映的是检察院职责范围内的事项，{_ARTICLE_7}，12345 热线不能受理。"
        "请拨打 12309 检察服务热线，或到检察院的控告申诉窗口反映。"
    ),
    "military": (
        f"涉及部队、武警的事项属于军队、武警的职责范围，{_ARTICLE_7}，12345 热线不能受理，请向部队、武警的相关部门反映。"
        "如果是退役军人的安置、优待抚恤等退役军人事务，则另当别论，可以咨询本热线或当地退役军人事务部门。"
    ),
    "litigation": (
        f"已经起诉或者应当通过诉讼解决的事项，由人民法院依法处理，{_ARTICLE_7}，12345 热线不再受理。"
        "案件进展和诉讼程序方面的问题，请联系受理案件的法院，或拨打 12368 诉讼服务热线。"
    ),
    "arbitration": (
        f"应当或者已经通过仲裁解决的事项，{_ARTICLE_7}，12345 热线不能受理。"
        "劳动、人事争议请向当地劳动人事争议仲裁委员会申请仲裁；合同等商事纠纷，请向双方约定的仲裁委员会申请。"
    ),
    "discipline": (
        f"反映公职人员违纪违法问题，属于纪检监察机关的职责，{_ARTICLE_7}，12345 热线不受理这类检举控告。"
        "请向纪检监察机关反映，可以拨打 12388 举报电话，也可以到纪检监察机关信访接待场所当面反映。"
    ),
    "admin_review": (
        f"对行政机关的具体行政行为不服、需要申请行政复议的，应当通过行政复议程序解决，{_ARTICLE_7}，12345 热线不能代为受理。"
        "请向行政复议机关提出申请，一般是县级以上人民政府设立的行政复议机构，具体可以向当地司法局咨询。"
    ),
    "info_disclosure": (
        f"申请公开政府信息需要走政府信息公开程序，{_ARTICLE_7}，12345 热线不能代为受理。"
        "请向掌握这项信息的行政机关提出政府信息公开申请（依申请公开），可以通过信函、网上申请平台或到现场提交。"
    ),
    "petition": (
        f"已经进入信访渠道的事项，应当按照信访程序继续办理，{_ARTICLE_7}，12345 热线不重复受理。"
        "请向受理您事项的信访部门了解办理进展，对处理意见不满意的，可以按信访程序申请复查、复核。"
    ),
    "privacy": (
        f"涉及他人个人信息和隐私的事项，{_ARTICLE_7}，12345 热线不能提供他人的电话、住址、行踪等个人信息。"
        "如果确实需要，可以向公安机关依法申请，或者通过诉讼程序由法院依法调取。"
    ),
    "abuse": (
        "理解您现在可能很着急、很生气，但请注意文明用语，侮辱、谩骂的内容热线不能受理（热线办法第七条）。"
        "如果您有具体诉求，可以继续跟我说，说清楚什么事、在哪里，我会认真帮您登记。"
    ),
}

_GENERIC_REFUSAL = (
    "这个事项不在 12345 热线的受理范围内（热线办法第七条）。"
    "按照规定我们会尽量告诉您合适的反映渠道（第八条），请再具体说说您的情况，我帮您看看该找哪个部门。"
)

OOS_CLASSES: Tuple[str, ...] = tuple(_REFUSALS)


def refusal_reply(oos_class: Optional[str]) -> str:
    """Polite refusal naming the right channel for an out-of-scope class.

    ``oos_class`` is one of OOS_CLASSES (an ``oos_`` prefix is accepted); anything else
    gets a generic explanation (第七条 / 第八条).
    """
    key = (oos_class or "").strip()
    if key.startswith("oos_"):
        key = key[len("oos_"):]
    return _REFUSALS.get(key, _GENERIC_REFUSAL)


def cross_region_reply(place: Optional[str] = None) -> str:
    """The matter is outside Shangluo: say where it goes (第二十三条) and that they may call there."""
    info = region_info(place) if place else None
    if info is None and place:
        # a name we do not know: still say it, without guessing the province
        return (
            f"您反映的事项在{place}，不属于商洛市的管辖范围。"
            "按照热线办法第二十三条，陕西省内其他地市的事项我们会报陕西省 12345 平台协调，外省的事项会转给当地的 12345 热线。"
            "您也可以直接拨打事发地的 12345 热线反映，办理会更快。"
        )
    if info is None:
        return (
            "您反映的事项不在商洛市的管辖范围内。"
            "按照热线办法第二十三条，陕西省内其他地市的事项我们会报陕西省 12345 平台协调，外省的事项会转给当地的 12345 热线。"
            "您也可以直接拨打事发地的 12345 热线反映。"
        )
    province, city, display = info
    if province == SHAANXI:
        local = city or display
        return (
            f"您反映的事项在{display}，不属于商洛市的管辖范围。"
            f"按照热线办法第二十三条，我们会把诉求报送陕西省 12345 平台，由省平台转交{local}办理。"
            f"您也可以直接拨打{local}的 12345 热线反映，办理会更快。"
        )
    return (
        f"您反映的事项在{display}，不属于商洛市的管辖范围。"
        f"按照热线办法第二十三条，我们会通过省级平台把诉求转给{display}的 12345 热线办理。"
        f"您也可以直接拨打{display}当地的 12345 热线反映，办理会更快。"
    )
