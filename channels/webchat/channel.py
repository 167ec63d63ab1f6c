"""The Rasa input channel of the portal's chat widget, over socket.io.

credentials.yml:

    channels.webchat.WebChatInput:
      # optional; WEBCHAT_ALLOWED_ORIGINS etc. come from the environment (settings.py)
      socketio_path: /socket.io

Modelled on Rasa's rasa/core/channels/socketio.py, with: server-issued session ids kept
by the browser, from which the server derives the conversation's sender id
(session.sender_for, an HMAC; the session id itself is never a sender id, room name or log
entry); every tab joins the room named by the sender id, and so do an agent's later
messages via get_output_channel(); Redis-shared rooms when REDIS_URL is set, allowed
origins, the guard for every citizen text, refusals of empty/oversized messages, a typing
indicator, and GET /webhooks/webchat/history?session_id=… for the transcript.
"""
from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from channels.webchat import inbound, texts
from channels.webchat.history import DISPLAY_KEY, transcript
from channels.webchat.output import BOT_EVENT, ECHO_EVENT, ERROR_EVENT, SESSION_EVENT, TYPING_EVENT, WebChatOutput
from channels.webchat.session import checked, sender_for, session_or_new
from channels.webchat.settings import Settings
from vocabulary.channels import WEBCHAT

logger = logging.getLogger(__name__)

USER_EVENT = "user_uttered"
SESSION_REQUEST_EVENT = "session_request"


class SocketBlueprint(Blueprint):
    """A Sanic blueprint that attaches the socket.io server to the app it is registered on."""

    def __init__(self, sio: AsyncServer, socketio_path: Text, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ctx.sio = sio
        self.ctx.socketio_path = socketio_path

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        self.ctx.sio.attach(app, self.ctx.socketio_path)
        super().register(app, options)


def create_server(settings: Settings) -> AsyncServer:
    """The socket.io server: rooms shared through Redis when REDIS_URL is set."""
    manager = None
    if settings.redis_url:
        manager = AsyncRedisManager(settings.redis_url, channel=settings.redis_channel)
        logger.info("webchat: socket.io rooms shared through Redis channel %s", settings.redis_channel)
    origins: Any = "*" if settings.any_origin else list(settings.allowed_origins)
    return AsyncServer(
        async_mode="sanic",
        cors_allowed_origins=origins,
        client_manager=manager,
        max_http_buffer_size=settings.max_packet_bytes,
        ping_interval=settings.ping_interval_s,
    )


class WebChatInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return WEBCHAT

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "WebChatInput":
        return cls(Settings.from_env().with_overrides(credentials))

    def __init__(self, settings: Optional[Settings] = None) -> None:
        self.settings = settings or Settings.from_env()
        self.sio: Optional[AsyncServer] = None
        self._pending: Dict[str, int] = {}  # socket id → its messages the bot is still working on

    def get_output_channel(self) -> Optional[OutputChannel]:
        """Delivers to the room named by recipient_id (the sender id), e.g. an agent's reply."""
        if self.sio is None:
            logger.warning("webchat output requested before the channel's blueprint was created")
            return None
        return WebChatOutput(self.sio, BOT_EVENT)

    # -- HTTP
    def _cors(self, request: Request) -> Dict[str, str]:
        origin = request.headers.get("origin")
        headers = {"Cache-Control": "no-store", "Vary": "Origin"}
        if self.settings.origin_allowed(origin):
            headers["Access-Control-Allow-Origin"] = origin
        return headers

    async def history(self, request: Request) -> HTTPResponse:
        headers = self._cors(request)
        origin = request.headers.get("origin")
        if origin and not self.settings.origin_allowed(origin):
            return response.json({"error": "forbidden_origin", "message": "此网站未被允许访问对话记录。"},
                                 status=403, headers=headers)
        session_id = checked(request.args.get("session_id"))
        if session_id is None:
            return response.json({"error": "bad_session", "message": texts.NO_SESSION}, status=400, headers=headers)
        try:
            events = await self._events(request.app, self.sender_of(session_id))
        except Exception:  # e.g. the tracker store's Redis is down
            logger.exception("webchat: could not read a conversation's history")
            return response.json({"error": "unavailable", "message": texts.HISTORY_UNAVAILABLE},
                                 status=503, headers=headers)
        return response.json({"session_id": session_id,
                              "messages": transcript(events, self.settings.history_limit)}, headers=headers)

    def sender_of(self, session_id: str) -> str:
        return sender_for(self.settings.sender_secret, session_id)

    @staticmethod
    async def _events(app: Sanic, sender_id: str) -> List[Dict[str, Any]]:
        agent = getattr(app.ctx, "agent", None)
        store = getattr(agent, "tracker_store", None)
        if store is None:
            return []
        retrieve = getattr(store, "retrieve_full_tracker", None) or store.retrieve
        tracker = await retrieve(sender_id)
        if tracker is None:
            return []
        return [event.as_dict() for event in tracker.events]

    # -- socket.io
    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        sio = create_server(self.settings)
        self.sio = sio
        webhook = SocketBlueprint(sio, self.settings.socketio_path, "webchat_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/history", methods=["GET"])
        async def history(request: Request) -> HTTPResponse:
            return await self.history(request)

        @sio.on("connect")
        async def connect(sid: Text, environ: Dict, auth: Optional[Dict] = None) -> bool:
            logger.debug("webchat: socket %s connected", sid)
            return True

        @sio.on(SESSION_REQUEST_EVENT)
        async def session_request(sid: Text, data: Any = None) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            session_id = session_or_new(asked)
            await self._bind(sid, session_id)
            await sio.emit(SESSION_EVENT, {"session_id": session_id, "renewed": session_id != asked}, to=sid)

        @sio.on(USER_EVENT)
        async def user_uttered(sid: Text, data: Any = None) -> None:
            bound = (await sio.get_session(sid)).get("session_id")
            result = inbound.check(data, self.settings.max_chars, bound)
            if isinstance(result, inbound.Refused):
                await sio.emit(ERROR_EVENT, {"code": result.code, "text": result.text}, to=sid)
                return
            # checked and counted with no await in between: concurrent handlers see each other
            if self._pending.get(sid, 0) >= self.settings.max_pending:
                await sio.emit(ERROR_EVENT, {"code": "too_fast", "text": texts.TOO_FAST}, to=sid)
                return
            self._pending[sid] = self._pending.get(sid, 0) + 1
            try:
                await self._handle(sid, bound, result, on_new_message)
            finally:
                self._pending[sid] -= 1
                if not self._pending[sid]:
                    del self._pending[sid]

        @sio.on("disconnect")
        async def disconnect(sid: Text, *args: Any) -> None:
            logger.debug("webchat: socket %s disconnected", sid)

        return webhook

    async def _handle(self, sid: str, bound: Optional[str], accepted: inbound.Accepted,
                      on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        sio = self.sio
        assert sio is not None
        session_id = accepted.session_id
        if session_id != bound:
            await self._bind(sid, session_id)
        room = self.sender_of(session_id)
        # other tabs of the same browser show what was written here
        await sio.emit(ECHO_EVENT, {"text": accepted.display}, room=room, skip_sid=sid)
        await sio.emit(TYPING_EVENT, {"typing": True}, room=room)
        message = UserMessage(accepted.text, WebChatOutput(sio, BOT_EVENT), room,
                              input_channel=self.name(), metadata={DISPLAY_KEY: accepted.display})
        try:
            await on_new_message(message)
        except Exception:  # the citizen must hear something; Rasa logged the cause
            logger.exception("webchat: the bot failed on a message")
            await sio.emit(ERROR_EVENT, {"code": "bot_failed", "text": texts.BOT_FAILED}, to=sid)
        finally:
            await sio.emit(TYPING_EVENT, {"typing": False}, room=room)

    async def _bind(self, sid: str, session_id: str) -> None:
        """The socket speaks for this session: it joins the room of the session's sender id."""
        assert self.sio is not None
        async with self.sio.session(sid) as session:
            previous = session.get("session_id")
            session["session_id"] = session_id
        if previous and previous != session_id:
            await self.sio.leave_room(sid, self.sender_of(previous))
        await self.sio.enter_room(sid, self.sender_of(session_id))
