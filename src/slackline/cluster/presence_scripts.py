"""The Lua scripts behind :mod:`slackline.cluster.presence`, each one atomic in Redis.

Every script is :data:`LUA_COMMON` followed by its body (see :data:`SCRIPTS`): the common
part names the keys described in :mod:`slackline.cluster.presence` and holds ``add``,
``drop`` and ``retire``, which keep the cluster-wide counts and announce each real
transition exactly once, in the same atomic step as the change of count.
"""

from __future__ import annotations

# Shared by every script: ARGV[1] is the key prefix, ARGV[2] the broker's channel.
LUA_COMMON = """
local P, CH = ARGV[1], ARGV[2]
local PROCS, ONLINE, MANUAL = P .. 'procs', P .. 'online', P .. 'manual'
local AWAY, ACTIVITY = P .. 'away', P .. 'activity'
local function sessions_key(id) return P .. 'proc:' .. id .. ':sessions' end
local function alive_key(id) return P .. 'proc:' .. id .. ':alive' end
local function writing_key(id) return P .. 'proc:' .. id .. ':writing' end
local function add(field, n, manual, active_event, away_event, now)
  local total = redis.call('HINCRBY', ONLINE, field, n)
  redis.call('HSET', AWAY, field, away_event)
  redis.call('HSET', ACTIVITY, field, now)
  if total == n then
    redis.call('HSETNX', MANUAL, field, manual)
    if redis.call('HGET', MANUAL, field) ~= '1' then redis.call('PUBLISH', CH, active_event) end
  end
  return total
end
local function drop(field, n)
  local total = redis.call('HINCRBY', ONLINE, field, -n)
  if total > 0 then return total end
  local event = redis.call('HGET', AWAY, field)
  local manual = redis.call('HGET', MANUAL, field)
  redis.call('HDEL', ONLINE, field)
  redis.call('HDEL', AWAY, field)
  redis.call('HDEL', ACTIVITY, field)
  redis.call('HDEL', MANUAL, field)
  if total + n > 0 and manual ~= '1' and event then redis.call('PUBLISH', CH, event) end
  return 0
end
-- Forgets a process; returns the teams it was writing for (see cluster/writes.py).
local function retire(id, teams)
  local sessions = sessions_key(id)
  local counts = redis.call('HGETALL', sessions)
  for i = 1, #counts, 2 do drop(counts[i], tonumber(counts[i + 1])) end
  local writing = redis.call('HGETALL', writing_key(id))
  for i = 1, #writing, 2 do
    if tonumber(writing[i + 1]) > 0 then table.insert(teams, writing[i]) end
  end
  redis.call('DEL', sessions, alive_key(id), writing_key(id))
  redis.call('SREM', PROCS, id)
  return teams
end
"""
# ARGV: 3 process, 4 field, 5 manual flag, 6 active event, 7 away event, 8 now.
# -1: this process is not registered (it was swept): write everything back with SYNC.
LUA_OPEN = """
if redis.call('SISMEMBER', PROCS, ARGV[3]) == 0 then return -1 end
redis.call('HINCRBY', sessions_key(ARGV[3]), ARGV[4], 1)
return add(ARGV[4], 1, ARGV[5], ARGV[6], ARGV[7], ARGV[8])
"""
# ARGV: 3 process, 4 field. -1: not registered; -2: no session of the user here.
LUA_CLOSE = """
if redis.call('SISMEMBER', PROCS, ARGV[3]) == 0 then return -1 end
local sessions = sessions_key(ARGV[3])
local mine = tonumber(redis.call('HGET', sessions, ARGV[4]) or '0')
if mine <= 0 then return -2 end
if mine == 1 then redis.call('HDEL', sessions, ARGV[4])
else redis.call('HINCRBY', sessions, ARGV[4], -1) end
return drop(ARGV[4], 1)
"""
# ARGV: 3 process, 4 TTL in ms. 0: not registered.
LUA_HEARTBEAT = """
if redis.call('SISMEMBER', PROCS, ARGV[3]) == 0 then return 0 end
redis.call('SET', alive_key(ARGV[3]), '1', 'PX', ARGV[4])
return 1
"""
# ARGV: 3 process, 4 TTL in ms, 5 now, then per user: field, count, manual, active, away.
# Makes this process's counts exactly these, announcing the transitions that implies.
LUA_SYNC = """
local id = ARGV[3]
local sessions = sessions_key(id)
local before = {}
local counts = redis.call('HGETALL', sessions)
for i = 1, #counts, 2 do before[counts[i]] = tonumber(counts[i + 1]) end
redis.call('DEL', sessions)
for i = 6, #ARGV, 5 do
  local field, n = ARGV[i], tonumber(ARGV[i + 1])
  local old = before[field] or 0
  before[field] = nil
  redis.call('HSET', sessions, field, n)
  if n > old then add(field, n - old, ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[5])
  elseif n < old then drop(field, old - n) end
end
for field, old in pairs(before) do drop(field, old) end
redis.call('SADD', PROCS, id)
redis.call('SET', alive_key(id), '1', 'PX', ARGV[4])
return 1
"""
# ARGV: 3 process.
LUA_RETIRE = "return retire(ARGV[3], {})"
# ARGV: 3 the sweeping process (never swept by itself).
LUA_SWEEP = """
local swept, teams = 0, {}
for _, id in ipairs(redis.call('SMEMBERS', PROCS)) do
  if id ~= ARGV[3] and redis.call('EXISTS', alive_key(id)) == 0 then
    retire(id, teams)
    swept = swept + 1
  end
end
return {swept, teams}
"""
# ARGV: 3 field, 4 manual flag, 5 active event, 6 away event. Announces the presence that
# follows from the new flag (as the in-process service does).
LUA_MANUAL = """
redis.call('HSET', MANUAL, ARGV[3], ARGV[4])
local total = tonumber(redis.call('HGET', ONLINE, ARGV[3]) or '0')
if total > 0 and ARGV[4] ~= '1' then redis.call('PUBLISH', CH, ARGV[5])
else redis.call('PUBLISH', CH, ARGV[6]) end
return total
"""

# Script name → full source, as registered by the presence service.
SCRIPTS: dict[str, str] = {
    name: LUA_COMMON + source
    for name, source in {
        "open": LUA_OPEN, "close": LUA_CLOSE, "heartbeat": LUA_HEARTBEAT, "sync": LUA_SYNC,
        "retire": LUA_RETIRE, "sweep": LUA_SWEEP, "manual": LUA_MANUAL,
    }.items()
}  # fmt: skip
