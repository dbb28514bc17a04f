"""The Redis store: one cache for every worker and machine that points at the same server.

Entries, the tag and path indexes and the epoch live in Redis, so an entry one worker renders
is a hit in every other, and an invalidation in one is seen by all. Writes and invalidations
are Lua scripts, so an entry and its index memberships appear together and an invalidation
cannot race a store.

Each worker also keeps what it read in its own memory (``local_tier``), so a hit costs no round
trip: Redis reports every change of an entry or of the epoch to every worker (``tracking``),
which forgets that key at once; an invalidation made here is forgotten here before it returns.

Redis is an optimisation, never a dependency of a page: every command has a short timeout, and
any failure (refused, timed out, dropped) counts as a miss or a skipped write. The first failure
is logged once; while Redis is down, calls are skipped for ``retry_interval`` seconds at a time
so a dead server costs no request a timeout; the first success after that logs the recovery.

Layout (``prefix`` defaults to ``panes:``): ``e:<key>`` the entry, ``t:<tag>`` and
``p:<path>`` sets of entry names, ``epoch`` the invalidation counter, ``l:<key>`` locks.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Awaitable, Callable, Collection
from typing import Any, TypeVar

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from panes.cache.local_tier import LocalTier
from panes.cache.tracking import Tracking

logger = logging.getLogger("panes.cache")

T = TypeVar("T")

_SET = """
if ARGV[3] ~= '' and (redis.call('GET', KEYS[2]) or '0') ~= ARGV[3] then return 0 end
local ttl = tonumber(ARGV[2])
if ttl then redis.call('SET', KEYS[1], ARGV[1], 'PX', ttl)
else redis.call('SET', KEYS[1], ARGV[1]) end
for i = 3, #KEYS do
  local existed = redis.call('EXISTS', KEYS[i])
  local left = redis.call('PTTL', KEYS[i])
  redis.call('SADD', KEYS[i], KEYS[1])
  if not ttl then
    if left >= 0 then redis.call('PERSIST', KEYS[i]) end
  elseif existed == 0 or (left >= 0 and left < ttl) then
    redis.call('PEXPIRE', KEYS[i], ttl)
  end
end
return 1
"""

_DELETE = """
local gone = {}
for i = 2, #KEYS do
  for _, name in ipairs(redis.call('SMEMBERS', KEYS[i])) do
    redis.call('UNLINK', name)
    gone[#gone + 1] = name
  end
  redis.call('UNLINK', KEYS[i])
end
redis.call('INCR', KEYS[1])
return gone
"""

_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


class RedisStore:
    """A ``Store`` in Redis (``redis://host:port/db``; ``rediss://`` for TLS).

    ``timeout`` bounds every command and connection attempt (seconds): a request waits at most
    that long for a Redis that stopped answering, and then renders. ``local_bytes`` bounds the
    worker's own copy of what it read (``0``: none, every hit is a round trip).
    """

    def __init__(self, url: str, *, prefix: str = "panes:", timeout: float = 0.25,
                 retry_interval: float = 1.0, local_bytes: int = 64 * 1024 * 1024) -> None:
        self.url = _redacted(url)
        self.prefix = prefix
        self.timeout = timeout
        self.retry_interval = retry_interval
        self.client: Redis = Redis.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 1),  # one quick retry: a restarted server's stale socket
        )
        self._set = self.client.register_script(_SET)
        self._delete = self.client.register_script(_DELETE)
        self._unlock = self.client.register_script(_UNLOCK)
        self._epoch_key = prefix + "epoch"
        self._tokens: dict[str, str] = {}
        self.down = False
        self._skip_until = 0.0
        self.tier = LocalTier(local_bytes)
        self._entries = prefix + "e:"
        self.tracking = Tracking(url, self.tier, entries=self._entries,
                                 epoch_key=self._epoch_key, timeout=timeout,
                                 retry_interval=retry_interval) if local_bytes > 0 else None

    def __repr__(self) -> str:
        return f"RedisStore({self.url!r}, prefix={self.prefix!r})"

    async def get(self, key: str) -> tuple[bytes | None, int]:
        tier = self.tier
        if tier.live:
            known = tier.get(key)
            if known is not None:
                return known
        elif self.tracking is not None:
            self.tracking.start()
        ticket = tier.ticket(key)
        found = await self._call(lambda: self.client.mget(self._entry(key), self._epoch_key),
                                 None)
        if found is None:
            return None, -1
        value, epoch = found[0], int(found[1] or 0)
        tier.fill(ticket, key, value, epoch)
        return value, epoch

    async def epoch(self) -> int:
        tier = self.tier
        if tier.live:
            known = tier.epoch()
            if known is not None:
                return known
        elif self.tracking is not None:
            self.tracking.start()
        ticket = tier.ticket(None)
        found = await self._call(lambda: self.client.get(self._epoch_key), -1)
        if found == -1:
            return -1
        epoch = int(found or 0)
        tier.fill(ticket, None, None, epoch)
        return epoch

    async def set(self, key: str, value: bytes, *, ttl: float | None,
                  tags: Collection[str] = (), paths: Collection[str] = (),
                  epoch: int | None = None) -> bool:
        if epoch == -1:  # read while Redis was down: whatever happened since is unknown
            return False
        keys = [self._entry(key), self._epoch_key, *(self.prefix + "t:" + t for t in tags),
                *(self.prefix + "p:" + p for p in paths)]
        args = [value, "" if ttl is None else max(1, int(ttl * 1000)),
                "" if epoch is None else str(epoch)]
        stored = await self._call(lambda: self._set(keys=keys, args=args), 0)
        self.tier.drop(key)  # Redis will say so too: meanwhile, this worker reads it again
        return bool(stored)

    async def delete_tags(self, tags: Collection[str]) -> None:
        await self._invalidate([self.prefix + "t:" + tag for tag in tags])

    async def delete_paths(self, paths: Collection[str]) -> None:
        await self._invalidate([self.prefix + "p:" + path for path in paths])

    async def lock(self, key: str, ttl: float) -> bool:
        token = secrets.token_hex(8)
        name = self.prefix + "l:" + key
        taken = await self._call(
            lambda: self.client.set(name, token, nx=True, px=max(1, int(ttl * 1000))), None)
        if taken:
            self._tokens[key] = token
        return bool(taken)

    async def unlock(self, key: str) -> None:
        token = self._tokens.pop(key, None)
        if token is not None:
            name = self.prefix + "l:" + key
            await self._call(lambda: self._unlock(keys=[name], args=[token]), None)

    async def close(self) -> None:
        if self.tracking is not None:
            await self.tracking.close()
        await self.client.aclose()

    async def _invalidate(self, names: list[str]) -> None:
        gone = await self._call(lambda: self._delete(keys=[self._epoch_key, *names]), None)
        # what this worker shows next leaves these out at once, before Redis's message arrives
        self.tier.drop_epoch()
        cut = len(self._entries)
        for name in gone or ():
            self.tier.drop(name[cut:].decode())

    def _entry(self, key: str) -> str:
        return self._entries + key

    async def _call(self, command: Callable[[], Awaitable[Any]], failed: T) -> Any | T:
        """Run one command; on any failure log (once), back off, and return ``failed``."""
        if self.down and time.monotonic() < self._skip_until:
            return failed
        try:
            async with asyncio.timeout(self.timeout * 2):
                result = await command()
        except (RedisError, OSError, TimeoutError) as exc:
            if self.tracking is not None:
                self.tracking.reset()  # what changed in Redis meanwhile is unknown
            if not self.down:
                logger.warning("cache: Redis at %s is unreachable (%s); rendering without it",
                               self.url, exc)
            self.down = True
            self._skip_until = time.monotonic() + self.retry_interval
            return failed
        if self.down:
            logger.warning("cache: Redis at %s is reachable again", self.url)
            self.down = False
        return result


def _redacted(url: str) -> str:
    """The URL without its password, for logs."""
    scheme, sep, rest = url.partition("://")
    if "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user = credentials.split(":", 1)[0]
    return f"{scheme}{sep}{user + ':***' if ':' in credentials else '***'}@{host}"
