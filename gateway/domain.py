"""Domain vocabulary shared by the schemas, models and services."""

from __future__ import annotations

import re
from enum import StrEnum

import vocabulary

# 诉求类型 (第六条) and the channels: their names are vocabulary/hotline.yml's (the one place for them).
# OrderType.CONSULT == "咨询" … (the values are the Chinese names the API exchanges);
# Channel.REST == "rest", Channel.WECHAT, Channel.WEBCHAT, Channel.EMAIL, Channel.PHONE, Channel.AGENT.
OrderType = StrEnum("OrderType", [(t.key.upper(), t.name) for t in vocabulary.ORDER_TYPES], module=__name__)
OrderType.__doc__ = "诉求类型 (第六条); the values are the Chinese names the API exchanges."
Channel = StrEnum("Channel", [(c.name.upper(), c.name) for c in vocabulary.CHANNELS], module=__name__)


class Category(StrEnum):
    """热点分类 of the monthly report (第二十六条)."""

    HOUSING = "住房城乡建设"
    SOCIAL_SECURITY = "人资社保"
    PUBLIC_SECURITY = "公共安全"
    AGRICULTURE = "农业农村"
    TRANSPORT = "交通运输"
    MARKET = "市场监管"
    ENVIRONMENT = "生态环境"
    HEALTH = "卫生健康"
    EDUCATION = "教育"
    CIVIL_AFFAIRS = "民政"
    CULTURE_TOURISM = "文化旅游"
    OTHER = "其他"


class Speaker(StrEnum):
    """Who said a turn of the source conversation."""

    CITIZEN = "citizen"
    BOT = "bot"
    AGENT = "agent"


class OrderStatus(StrEnum):
    RECEIVED = "received"  # 已受理, waiting for dispatch
    DISPATCHED = "dispatched"  # 已派单, waiting for the lead unit to sign
    HANDLING = "handling"  # 办理中 (signed)
    RETURN_REQUESTED = "return_requested"  # 退单审核中 (第十四条)
    EXTENSION_REQUESTED = "extension_requested"  # 延期审核中 (第十六条)
    REPLIED = "replied"  # 办结审核中 (result submitted, 第二十条)
    COMPLETED = "completed"  # 已办结
    WITHDRAWN = "withdrawn"  # 已撤单 (第十八条)

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


STATUS_LABELS: dict[OrderStatus, str] = {
    OrderStatus.RECEIVED: "已受理",
    OrderStatus.DISPATCHED: "已派单",
    OrderStatus.HANDLING: "办理中",
    OrderStatus.RETURN_REQUESTED: "退单审核中",
    OrderStatus.EXTENSION_REQUESTED: "延期审核中",
    OrderStatus.REPLIED: "办结审核中",
    OrderStatus.COMPLETED: "已办结",
    OrderStatus.WITHDRAWN: "已撤单",
}

# Orders still being worked on (dispatched ones count for 逾期未办).
OPEN_STATUSES: frozenset[OrderStatus] = frozenset(
    {
        OrderStatus.RECEIVED,
        OrderStatus.DISPATCHED,
        OrderStatus.HANDLING,
        OrderStatus.RETURN_REQUESTED,
        OrderStatus.EXTENSION_REQUESTED,
        OrderStatus.REPLIED,
    }
)

# 第十八条 / 第二十一条(五): a citizen may withdraw while the order is still open.
WITHDRAWABLE_STATUSES: frozenset[OrderStatus] = OPEN_STATUSES


class EventKind(StrEnum):
    CREATED = "created"
    WITHDRAWN = "withdrawn"
    DISPATCH = "dispatch"  # 派单
    SIGN = "sign"  # 签收
    RETURN_REQUEST = "return_request"  # 申请退单
    RETURN_APPROVE = "return_approve"  # 同意退单并重新派单
    RETURN_REJECT = "return_reject"  # 不同意退单
    EXTENSION_REQUEST = "extension_request"  # 申请延期
    EXTENSION_APPROVE = "extension_approve"
    EXTENSION_REJECT = "extension_reject"
    REPLY = "reply"  # 提交办理结果（申请办结）
    REVIEW_APPROVE = "review_approve"  # 审核通过，办结
    REVIEW_REJECT = "review_reject"  # 审核不通过，退回重新办理
    REOPEN = "reopen"  # 重办 (第二十二条)
    FEEDBACK = "feedback"  # 满意度回访
    CITIZEN_REOPEN = "citizen_reopen"  # 群众不满意、申请重办 (第二十二条; issue 14)
    DUPLICATE = "duplicate"  # 重复诉求，已并入本工单 (第七条（七）)

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS: dict[EventKind, str] = {
    EventKind.CREATED: "受理",
    EventKind.WITHDRAWN: "撤单",
    EventKind.DISPATCH: "派单",
    EventKind.SIGN: "签收",
    EventKind.RETURN_REQUEST: "申请退单",
    EventKind.RETURN_APPROVE: "同意退单",
    EventKind.RETURN_REJECT: "不同意退单",
    EventKind.EXTENSION_REQUEST: "申请延期",
    EventKind.EXTENSION_APPROVE: "同意延期",
    EventKind.EXTENSION_REJECT: "不同意延期",
    EventKind.REPLY: "提交办理结果",
    EventKind.REVIEW_APPROVE: "审核通过",
    EventKind.REVIEW_REJECT: "审核退回",
    EventKind.REOPEN: "重办",
    EventKind.FEEDBACK: "满意度评价",
    EventKind.CITIZEN_REOPEN: "群众申请重办",
    EventKind.DUPLICATE: "重复诉求并单",
}


# 满意度, best first (vocabulary/hotline.yml): Satisfaction.SATISFIED == "满意", BASICALLY_SATISFIED, DISSATISFIED.
Satisfaction = StrEnum("Satisfaction", [(r.key.upper(), r.name) for r in vocabulary.RATINGS], module=__name__)


class Timeliness(StrEnum):
    """Deadline standing of a dispatched order (第十七条, monthly report)."""

    ON_TIME = "on_time"  # 按期办结
    LATE = "late"  # 逾期办结
    OVERDUE = "overdue"  # 逾期未办
    PENDING = "pending"  # 办理中，未逾期

    @property
    def label(self) -> str:
        return {"on_time": "按期办结", "late": "逾期办结", "overdue": "逾期未办", "pending": "办理中（未逾期）"}[
            self.value
        ]


# 第十四条: cases in which a return request is refused.
RETURN_REFUSAL_CASES: dict[int, str] = {
    1: "属于本单位职能范围但因客观原因暂时无法办理",
    2: "经市平台召开联席会议研究后指定处理",
    3: "相同工单已申请过退单且无新情况、新理由",
    4: "知识库内已有应答内容，但服务对象需获得进一步解释",
    5: "申请退回的理由或依据说明不充分",
    6: "退回时没有说明退回的理由或依据",
    7: "部分登记内容与客观情况不完全相符，但不影响后续办理",
    8: "服务对象已提供事项的基本情况或线索，需承办单位进一步了解或核实",
}


ORDER_NO_PREFIX = "SL"
ORDER_NO_PATTERN = re.compile(r"SL[0-9]{14}")  # use with fullmatch()
