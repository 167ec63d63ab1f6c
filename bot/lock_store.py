"""A Redis ticket lock that holds when several Rasa servers share one conversation.

Rasa 3.6's `RedisLockStore` keeps a conversation's whole ticket queue as one JSON value and
changes it by read-modify-write (GET, change in Python, SET). One process is safe because the
event loop runs those steps without interruption; two servers are not (RasaHQ/rasa#9213, the
fix #11256 was reverted from Rasa Open Source): two messages of one conversation arriving at two
servers at once both read the queue, both append ticket N and both write — each server then
holds "its" ticket N and both run the conversation at the same time, and a `cleanup` that
deletes the queue between another server's GET and SET loses that server's ticket, which ends
its wait in `LockError` (the message is dropped). tests/bot/test_lock_store.py shows the first
(both servers get the same ticket, one ticket is gone) on a real Redis.

This store keeps the same ticket-lock semantics (first come, first served; tickets expire after
`lock_lifetime`) but changes the queue only atomically in Redis:

  <prefix>:lock:<conversation>:tickets   hash  ticket number → expiry (unix seconds)
  <prefix>:lock:<conversation>:last      counter of issued ticket numbers (INCR)

Issuing is one Lua script (INCR and HSET together, so numbers follow arrival and no ticket is
ever lost); finishing deletes only its own field; removing expired tickets deletes only fields
read as expired; the queue hash disappears only inside a script that finds it empty. The counter
is never reset while tickets may exist: it lives as long as the longest lifetime issued, so a
new message after a quiet spell starts again at 1 only when nobody can be waiting.

Expiry compares each server's clock with the one that issued the ticket: run the servers with
NTP (a skew of a second shortens or lengthens a 60-second lifetime by that second).

endpoints.yml (scripts/render_endpoints.py writes it when REDIS_URL is set):

    lock_store:
      type: bot.lock_store.ConcurrentRedisLockStore
      url: 127.0.0.1
      port: 6379
      db: 0
      key_prefix: hotline
"""
from __future__ import annotations

import logging
import time
from collections import deque
from typing import Any, List, Optional, Text

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

logger = logging.getLogger(__name__)

DEFAULT_SOCKET_TIMEOUT_S = 10

# KEYS[1] tickets hash, KEYS[2] counter; ARGV[1] now (unix s), ARGV[2] the ticket's lifetime (s).
# A ticket's lifetime counts from when the ticket before it expires at the latest: a message that
# waits behind a server that died holding the lock is still there when that lock runs out (with
# Rasa's own rule, both expire together and the waiting message is dropped with a LockError).
_ISSUE = """
local now = tonumber(ARGV[1])
local base = now
for _, value in ipairs(redis.call('HVALS', KEYS[1])) do
  local expires = tonumber(value)
  if expires ~= nil and expires > base then base = expires end
end
local expires = base + tonumber(ARGV[2])
local number = redis.call('INCR', KEYS[2])
redis.call('HSET', KEYS[1], number, string.format('%.6f', expires))
local key_ms = math.floor((expires - now + 60) * 1000)
if redis.call('PTTL', KEYS[1]) < key_ms then redis.call('PEXPIRE', KEYS[1], key_ms) end
if redis.call('PTTL', KEYS[2]) < key_ms then redis.call('PEXPIRE', KEYS[2], key_ms) end
return number
"""
# KEYS[1] tickets hash; ARGV[1] the finished ticket number. Deletes the queue when it is empty.
_FINISH = """
redis.call('HDEL', KEYS[1], ARGV[1])
if redis.call('HLEN', KEYS[1]) == 0 then redis.call('DEL', KEYS[1]) return 1 end
return 0
"""


class ConcurrentRedisLockStore(LockStore):
    """Ticket locks in Redis, changed only by atomic commands (see the module docstring)."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, *, host: Text = "127.0.0.1",
                 port: int = 6379, db: int = 0, password: Optional[Text] = None, use_ssl: bool = False,
                 key_prefix: Optional[Text] = None, socket_timeout: float = DEFAULT_SOCKET_TIMEOUT_S,
                 **_: Any) -> None:
        import redis

        if endpoint_config is not None:
            kwargs = endpoint_config.kwargs
            host = endpoint_config.url or host
            port = int(kwargs.get("port", port))
            db = int(kwargs.get("db", db))
            password = kwargs.get("password", password)
            use_ssl = bool(kwargs.get("use_ssl", use_ssl))
            key_prefix = kwargs.get("key_prefix", key_prefix)
            socket_timeout = float(kwargs.get("socket_timeout", socket_timeout))
        self.red = redis.StrictRedis(host=host, port=int(port), db=int(db), password=password, ssl=use_ssl,
                                     socket_timeout=socket_timeout)
        self.key_prefix = f"{key_prefix}:lock:" if key_prefix else "lock:"
        self._issue = self.red.register_script(_ISSUE)
        self._finish = self.red.register_script(_FINISH)
        super().__init__()

    # -- keys
    def _tickets_key(self, conversation_id: Text) -> str:
        return f"{self.key_prefix}{conversation_id}:tickets"

    def _counter_key(self, conversation_id: Text) -> str:
        return f"{self.key_prefix}{conversation_id}:last"

    # -- the LockStore interface
    def issue_ticket(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME) -> int:
        try:
            number = self._issue(keys=[self._tickets_key(conversation_id), self._counter_key(conversation_id)],
                                 args=[repr(time.time()), repr(float(lock_lifetime))])
            return int(number)
        except Exception as error:  # the same contract as Rasa's LockStore.issue_ticket
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def _tickets(self, conversation_id: Text) -> List[Ticket]:
        """The queue as stored, expired tickets included, in ticket order."""
        raw = self.red.hgetall(self._tickets_key(conversation_id))
        return sorted((Ticket(int(number), float(expires)) for number, expires in raw.items()),
                      key=lambda ticket: ticket.number)

    def get_lock(self, conversation_id: Text) -> Optional[TicketLock]:
        tickets = self._tickets(conversation_id)
        if not tickets:
            return None
        return TicketLock(conversation_id, deque(t for t in tickets if not t.has_expired()))

    def delete_lock(self, conversation_id: Text) -> None:
        deleted = self.red.delete(self._tickets_key(conversation_id))
        self._log_deletion(conversation_id, bool(deleted))

    def save_lock(self, lock: TicketLock) -> None:
        """Adds the lock's tickets (never removes another server's): Rasa's base class calls this
        only from methods this store overrides."""
        if lock.tickets:
            self.red.hset(self._tickets_key(lock.conversation_id),
                          mapping={str(t.number): repr(t.expires) for t in lock.tickets})

    def update_lock(self, conversation_id: Text) -> None:
        """Removes the expired tickets (each by its own field)."""
        expired = [t.number for t in self._tickets(conversation_id) if t.has_expired()]
        if expired:
            self.red.hdel(self._tickets_key(conversation_id), *expired)

    def finish_serving(self, conversation_id: Text, ticket_number: int) -> None:
        self._finish_ticket(conversation_id, ticket_number)

    def cleanup(self, conversation_id: Text, ticket_number: int) -> None:
        """Finishes the ticket; the queue goes only when nobody waits (one atomic step)."""
        if self._finish_ticket(conversation_id, ticket_number):
            self._log_deletion(conversation_id, True)

    def _finish_ticket(self, conversation_id: Text, ticket_number: int) -> bool:
        """Deletes the ticket; True when that emptied (and so deleted) the queue."""
        return bool(self._finish(keys=[self._tickets_key(conversation_id)], args=[ticket_number]))
