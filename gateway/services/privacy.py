"""Confidentiality (第二十四条, 第二十八条, 第二十九条, 第三十二条).

* roles without personal-data access see names, phone numbers and the channel
  identity masked, and no source conversation;
* a unit never sees the identity of an anonymous citizen, and never any citizen's channel
  identity (sender id, conversation id), masked for every unit token;
* every answer that shows a name or phone number unmasked is written to
  ``personal_data_reads`` (who, when, which order, which action).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from gateway.core.security import Principal, Role
from gateway.models import Order, PersonalDataRead
from gateway.schemas import OrderOut
from vocabulary import mask_phone

ANONYMOUS = "匿名"


def mask_name(name: str | None) -> str | None:
    if not name:
        return name
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_identifier(value: str) -> str:
    return value[:3] + "****" if len(value) > 3 else "****"


def present(out: OrderOut, order: Order, principal: Principal) -> tuple[OrderOut, bool]:
    """The view of ``out`` this principal may see, and whether it shows personal data."""
    if order.anonymous and principal.role is Role.UNIT:
        view = out.model_copy(
            update={
                "contact_name": None,
                "contact_phone": None,
                "sender_id": ANONYMOUS,
                "conversation_id": None,
                "source_conversation": [],
            }
        )
        return view, False
    if not principal.personal_data:
        view = out.model_copy(
            update={
                "contact_name": mask_name(out.contact_name),
                "contact_phone": mask_phone(out.contact_phone),
                "sender_id": mask_identifier(out.sender_id),
                "conversation_id": None,
                "source_conversation": [],
            }
        )
        return view, False
    if principal.role is Role.UNIT:
        # a unit needs the citizen's name and phone, never the channel identity (an openid,
        # an email thread, a web chat sender) nor the conversation behind it
        out = out.model_copy(update={"sender_id": mask_identifier(out.sender_id), "conversation_id": None})
    return out, bool(out.contact_name or out.contact_phone)


def audit_reads(session: Session, principal: Principal, order_nos: list[str], action: str, now: dt.datetime) -> None:
    """Write one audit row per order whose personal data was shown, and commit."""
    if not order_nos:
        return
    session.add_all(
        PersonalDataRead(at=now, actor=principal.actor, order_no=order_no, action=action[:64]) for order_no in order_nos
    )
    session.commit()
