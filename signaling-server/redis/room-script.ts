/**
 * Every change to a shared room, as one Lua script run atomically by Redis:
 * two joiners on two relays can never take the same held offer, and a room's
 * events are published in the order its state changed.
 *
 * KEYS (one room): members  peer → its PeerInfo JSON, as welcome.peers shows it
 *                  links    peer → "seq node secret conn": join order, which relay, the
 *                           secret a takeover must show ("-": none), which socket;
 *                           field "#" counts joins
 *                  offers   peer → "offerId sdp" of its untaken held offer
 *                  cands    peer → that offer's candidates: "count bytes json,json,…", where
 *                           bytes is what MAX_HELD_BYTES caps (held-bytes.ts), counted
 *                           by the relays, which pass it in
 *                  routes   "owner offerId" → the peer that took the offer
 * ARGV: op, channel, peer, conn, nodeKey (the prefix of relays' presence keys),
 * ttl, then the op's own arguments.
 *
 * A room's keys expire `ttl` ms after its last join, hold or sweep. The relays
 * with sockets in a room sweep it at every presence refresh, which also drops
 * the members of relays that died; so a room's keys outlive it only when every
 * relay in it died, and then for `ttl` at most.
 *
 * Events go to the room's channel as "kind target payload" (see redis-rooms.ts):
 *   to <peer> <frame>        for that peer only
 *   all <peer> <frame>       for everyone but that peer
 *   joined <peer> <json>     {"info": PeerInfo, "offers": {owner: offerId}, "conn": the joiner's socket}
 *   replaced <peer> <conn>   that socket was taken over: close it with 4001
 * Replies are arrays whose first item is "ok" or an error code.
 */
export const ROOM_SCRIPT = `
local members, links, offers, cands, routes = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local op, channel, peer, conn, nodeKey, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]

local function connOf(link) return string.match(link, '(%S+)$') end

local function publish(kind, target, payload)
  redis.call('PUBLISH', channel, kind .. ' ' .. target .. ' ' .. payload)
end

-- Drops a membership with its held offer and every route to or from it.
local function forget(id)
  redis.call('HDEL', members, id)
  redis.call('HDEL', links, id)
  redis.call('HDEL', offers, id)
  redis.call('HDEL', cands, id)
  local all = redis.call('HGETALL', routes)
  for i = 1, #all, 2 do
    if string.match(all[i], '^%S+') == id or all[i + 1] == id then redis.call('HDEL', routes, all[i]) end
  end
end

local function leave(id, how)
  forget(id)
  publish('all', id, '{"type":"peer-left","peer":"' .. id .. '","reason":"' .. how .. '"}')
  if redis.call('HLEN', members) == 0 then redis.call('DEL', links) end
end

local function expire()
  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end
end

-- Drops the members whose relay stopped without saying goodbye (its presence
-- key expired); returns the others' links by peer.
local function sweep()
  local live = {}
  local all = redis.call('HGETALL', links)
  for i = 1, #all, 2 do
    local id, link = all[i], all[i + 1]
    if id ~= '#' then
      if redis.call('EXISTS', nodeKey .. string.match(link, '^%d+ (%S+)')) == 0 then leave(id, 'lost')
      else live[id] = link end
    end
  end
  return live
end

if op == 'sweep' then
  sweep()
  expire()
  return { 'ok' }
end

if op == 'join' then
  local info, node, cap, secret = ARGV[7], ARGV[8], tonumber(ARGV[9]), ARGV[10]
  local others, previous = {}, nil
  for id, link in pairs(sweep()) do
    if id == peer then previous = link
    else others[#others + 1] = { tonumber(string.match(link, '^%d+')), id } end
  end
  if previous then
    local held = string.match(previous, '^%d+ %S+ (%S+)')
    if held == '-' or held ~= secret then return { 'peer-taken' } end
  end
  if #others >= cap then return { 'room-full' } end
  if previous then
    forget(peer)
    publish('replaced', peer, connOf(previous))
  end
  table.sort(others, function(a, b) return a[1] < b[1] end)
  local peers, held, taken = {}, {}, {}
  for _, other in ipairs(others) do
    local id = other[2]
    peers[#peers + 1] = redis.call('HGET', members, id)
    local offer = redis.call('HGET', offers, id)
    if offer then
      local offerId, sdp = string.match(offer, '^(%S+) (.*)$')
      held[#held + 1] = { id, offerId, sdp, string.match(redis.call('HGET', cands, id), '^%d+ %d+ (.*)$') }
      redis.call('HDEL', offers, id)
      redis.call('HDEL', cands, id)
      redis.call('HSET', routes, id .. ' ' .. offerId, peer)
      taken[id] = offerId
    end
  end
  local seq = redis.call('HINCRBY', links, '#', 1)
  redis.call('HSET', links, peer, seq .. ' ' .. node .. ' ' .. secret .. ' ' .. conn)
  redis.call('HSET', members, peer, info)
  expire()
  publish('joined', peer, '{"info":' .. info .. ',"offers":' .. cjson.encode(taken) .. ',"conn":"' .. conn .. '"}')
  return { 'ok', peers, held }
end

-- Every other op is made by a member, on the socket that joined.
local link = redis.call('HGET', links, peer)
if not link or connOf(link) ~= conn then return { 'not-joined' } end

if op == 'leave' then
  leave(peer, ARGV[7])
elseif op == 'hold' then
  redis.call('HSET', offers, peer, ARGV[7] .. ' ' .. ARGV[8])
  redis.call('HSET', cands, peer, '0 ' .. ARGV[9] .. ' ') -- no candidates yet; the sdp's bytes
  expire()
elseif op == 'offer-candidate' then
  local offerId, candidate, frame, most, max, size = ARGV[7], ARGV[8], ARGV[9], tonumber(ARGV[10]), tonumber(ARGV[11]), tonumber(ARGV[12])
  local offer = redis.call('HGET', offers, peer)
  if offer and string.match(offer, '^%S+') == offerId then
    local count, bytes, list = string.match(redis.call('HGET', cands, peer), '^(%d+) (%d+) (.*)$')
    count, bytes = tonumber(count), tonumber(bytes) + size
    if count >= most or bytes > max then return { 'too-many-candidates' } end
    redis.call('HSET', cands, peer, (count + 1) .. ' ' .. bytes .. ' ' .. (count == 0 and candidate or list .. ',' .. candidate))
    return { 'ok' }
  end
  local taker = redis.call('HGET', routes, peer .. ' ' .. offerId)
  if not taker then return { 'unknown-offer' } end
  publish('to', taker, frame)
elseif op == 'forward' then
  local to, frame = ARGV[7], ARGV[8]
  if to == peer or redis.call('HEXISTS', members, to) == 0 then return { 'unknown-peer' } end
  publish('to', to, frame)
elseif op == 'status' then
  local info = cjson.decode(redis.call('HGET', members, peer))
  for key, value in pairs(cjson.decode(ARGV[7])) do info.status[key] = value end
  redis.call('HSET', members, peer, cjson.encode(info))
  publish('all', peer, ARGV[8])
end
return { 'ok' }
`;
