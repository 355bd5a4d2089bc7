"""Send budgets replicas share through Redis (TANDEM_REDIS_URL): one script call per batch.

Each budget is a hash of counts per bucket (`<bucket>:r`, `<bucket>:b`, `<bucket>:w` for
replies, bulk and a refused reply). The script runs atomically in Redis and is the twin of
bot.core.budget's `BudgetRule.take`: a change to one is a change to both, and
tests/test_shared_budget.py holds them to the same numbers.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bot.core.budget import BudgetRule, Lane, Taken

if TYPE_CHECKING:
    from redis.asyncio import Redis

GRANT = """
local key = KEYS[1]
local lane = ARGV[1]
local want = tonumber(ARGV[2])
local bucket = tonumber(ARGV[3])
local buckets = tonumber(ARGV[4])
local count = tonumber(ARGV[5])
local reserve = tonumber(ARGV[6])
local pace = tonumber(ARGV[7])
local ttl_ms = tonumber(ARGV[8])
local first = bucket - buckets
local fields = {}
for b = first, bucket do
  fields[#fields + 1] = b .. ':r'
  fields[#fields + 1] = b .. ':b'
  fields[#fields + 1] = b .. ':w'
end
local values = redis.call('HMGET', key, unpack(fields))
local replies, bulk, wanted, oldest = 0, 0, 0, nil
for i = 1, #values, 3 do
  local r = tonumber(values[i]) or 0
  local b = tonumber(values[i + 1]) or 0
  local w = tonumber(values[i + 2]) or 0
  replies, bulk, wanted = replies + r, bulk + b, wanted + w
  if oldest == nil and (r > 0 or b > 0 or w > 0) then
    oldest = first + (i - 1) / 3
  end
end
local fits = count - replies - bulk
if lane == 'bulk' and (replies > 0 or wanted > 0) then
  fits = fits - math.max(0, reserve - replies)
end
fits = math.max(0, fits)
local granted = math.min(want, fits)
if lane == 'bulk' and pace > 0 then
  granted = math.min(granted, pace - (tonumber(values[#values - 1]) or 0))
end
granted = math.max(0, granted)
local retry = bucket + 1
if fits == 0 and oldest ~= nil then
  retry = math.max(bucket + 1, oldest + buckets + 1)
end
if granted > 0 then
  redis.call('HINCRBY', key, bucket .. (lane == 'reply' and ':r' or ':b'), granted)
end
if lane == 'reply' and granted < want then
  redis.call('HSET', key, bucket .. ':w', 1)
end
local swept = tonumber(redis.call('HGET', key, 'swept') or '0')
if bucket - swept >= buckets then
  for _, field in ipairs(redis.call('HKEYS', key)) do
    local b = tonumber(string.match(field, '^(-?%d+):'))
    if b and b < first then
      redis.call('HDEL', key, field)
    end
  end
  redis.call('HSET', key, 'swept', bucket)
end
redis.call('PEXPIRE', key, ttl_ms)
return {granted, retry}
"""


class RedisBudgetStore:
    def __init__(self, url: str, prefix: str = "tandem:budget:") -> None:
        # Imported here, so a deployment without Redis never loads its client.
        from redis.asyncio import Redis

        self.redis: Redis = Redis.from_url(url)
        self.prefix = prefix
        self._grant = self.redis.register_script(GRANT)

    async def take(self, key: str, lane: Lane, want: int, bucket: int, rule: BudgetRule) -> Taken:
        # Counts outlive their bucket by a window, then Redis forgets the budget by itself.
        ttl_ms = math.ceil((rule.buckets + 2) * rule.bucket_seconds * 1000)
        args = (lane.value, want, bucket, rule.buckets, rule.rate.count, rule.reserve)
        granted, retry = await self._grant(
            keys=[self.prefix + key], args=[*args, rule.bulk_per_bucket, ttl_ms]
        )
        return Taken(int(granted), int(retry))

    async def close(self) -> None:
        await self.redis.aclose()
