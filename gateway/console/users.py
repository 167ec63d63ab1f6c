"""Console users: create, change password, list, deactivate — also from the command line.

    python -m gateway.console.users add 王芳 --role agent          # asks for the password
    echo "$PW" | python -m gateway.console.users add 李强 --role supervisor --password-stdin
    python -m gateway.console.users passwd 王芳
    python -m gateway.console.users disable 王芳
    python -m gateway.console.users list

The database comes from ``--database-url`` or DATABASE_URL (the gateway's own).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import sys
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from gateway.console.models import ConsoleUser
from gateway.console.passwords import hash_password
from gateway.schemas import clean_text

logger = logging.getLogger("gateway.console")


class ConsoleRole(StrEnum):
    AGENT = "agent"  # 话务员: takes over conversations, replies, creates orders
    SUPERVISOR = "supervisor"  # 值班长/督办: everything an agent may, plus acting on any conversation


ROLE_LABELS = {ConsoleRole.AGENT: "话务员", ConsoleRole.SUPERVISOR: "值班长"}


class UserError(ValueError):
    pass


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def clean_name(name: str) -> str:
    name = clean_text(name or "", "用户名")
    if not 1 <= len(name) <= 50 or any(ch in name for ch in "<>\"'&/\\"):
        raise UserError("用户名须为 1–50 个字符，且不能包含 < > \" ' & / \\")
    return name


def find_user(session: Session, name: str) -> ConsoleUser | None:
    return session.scalars(select(ConsoleUser).where(ConsoleUser.name == name)).first()


def add_user(session: Session, name: str, role: str, password: str, now: dt.datetime | None = None) -> ConsoleUser:
    name = clean_name(name)
    try:
        role = ConsoleRole(role).value
    except ValueError:
        raise UserError("角色只能是 agent（话务员）或 supervisor（值班长）") from None
    user = ConsoleUser(name=name, role=role, password_hash=hash_password(password), active=True,
                       created_at=now or _utcnow())
    session.add(user)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise UserError(f"用户“{name}”已存在") from None
    return user


def set_password(session: Session, name: str, password: str) -> None:
    user = find_user(session, name)
    if user is None:
        raise UserError(f"用户“{name}”不存在")
    user.password_hash = hash_password(password)
    session.commit()


def set_active(session: Session, name: str, active: bool) -> None:
    user = find_user(session, name)
    if user is None:
        raise UserError(f"用户“{name}”不存在")
    user.active = active
    if not active:
        from gateway.console.sessions import drop_user_sessions

        drop_user_sessions(session, user.id)
    session.commit()


def ensure_user(session: Session, name: str, role: str, password: str) -> bool:
    """Creates the user when absent (the first supervisor at start-up); True when created."""
    if find_user(session, clean_name(name)) is not None:
        return False
    try:
        add_user(session, name, role, password)
    except UserError:
        return False  # another replica created it at the same moment
    return True


def _read_password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("密码：")
    if first != getpass.getpass("再输入一次：") :
        raise UserError("两次输入的密码不一致")
    return first


def main(argv: list[str] | None = None) -> int:
    from gateway.core.config import Settings
    from gateway.core.db import Database

    parser = argparse.ArgumentParser(prog="python -m gateway.console.users", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="overrides DATABASE_URL / GATEWAY_DATABASE_URL")
    sub = parser.add_subparsers(dest="action", required=True)
    add = sub.add_parser("add", help="add a user")
    add.add_argument("name")
    add.add_argument("--role", choices=[r.value for r in ConsoleRole], default="agent")
    add.add_argument("--password-stdin", action="store_true", help="read the password from the first line of stdin")
    pw = sub.add_parser("passwd", help="set a new password")
    pw.add_argument("name")
    pw.add_argument("--password-stdin", action="store_true")
    for action in ("disable", "enable"):
        sub.add_parser(action, help=f"{action} a user").add_argument("name")
    sub.add_parser("list", help="list the users")
    args = parser.parse_args(argv)

    settings = Settings(**({"database_url": args.database_url} if args.database_url else {}))
    from gateway.migrate import upgrade

    upgrade(settings.database_url)
    database = Database(settings.database_url)
    try:
        with database.sessionmaker() as session:
            if args.action == "add":
                user = add_user(session, args.name, args.role, _read_password(args))
                print(f"已创建用户“{user.name}”（{ROLE_LABELS[ConsoleRole(user.role)]}）")
            elif args.action == "passwd":
                set_password(session, args.name, _read_password(args))
                print(f"已为“{args.name}”设置新密码")
            elif args.action in ("disable", "enable"):
                set_active(session, args.name, args.action == "enable")
                print(f"已{'停用' if args.action == 'disable' else '启用'}“{args.name}”")
            else:
                for user in session.scalars(select(ConsoleUser).order_by(ConsoleUser.id)):
                    state = "" if user.active else "（已停用）"
                    print(f"{user.name}\t{ROLE_LABELS[ConsoleRole(user.role)]}{state}")
    except (UserError, ValueError) as error:
        print(f"错误：{error}", file=sys.stderr)
        return 2
    finally:
        database.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
