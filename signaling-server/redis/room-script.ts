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
 * ARGV: op, channel, peer, conn, then the op's own arguments.
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
local op, channel, peer, conn = ARGV[1], ARGV[2], ARGV[3], ARGV[4]

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

if op == 'join' then
  local info, node, cap, nodeKey, secret = ARGV[5], ARGV[6], tonumber(ARGV[7]), ARGV[8], ARGV[9]
  local others, previous = {}, nil
  local all = redis.call('HGETALL', links)
  for i = 1, #all, 2 do
    local id, link = all[i], all[i + 1]
    if id ~= '#' then
      local seq, where = string.match(link, '^(%d+) (%S+)')
      if redis.call('EXISTS', nodeKey .. where) == 0 then
        leave(id, 'lost') -- its relay stopped without saying goodbye
      elseif id == peer then
        previous = link
      else
        others[#others + 1] = { tonumber(seq), id }
      end
    end
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
  publish('joined', peer, '{"info":' .. info .. ',"offers":' .. cjson.encode(taken) .. ',"conn":"' .. conn .. '"}')
  return { 'ok', peers, held }
end

-- Every other op is made by a member, on the socket that joined.
local link = redis.call('HGET', links, peer)
if not link or connOf(link) ~= conn then return { 'not-joined' } end

if op == 'leave' then
  leave(peer, ARGV[5])
elseif op == 'hold' then
  redis.call('HSET', offers, peer, ARGV[5] .. ' ' .. ARGV[6])
  redis.call('HSET', cands, peer, '0 ' .. ARGV[7] .. ' ') -- no candidates yet; the sdp's bytes
elseif op == 'offer-candidate' then
  local offerId, candidate, frame, most, max, size = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
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
  local to, frame = ARGV[5], ARGV[6]
  if to == peer or redis.call('HEXISTS', members, to) == 0 then return { 'unknown-peer' } end
  publish('to', to, frame)
elseif op == 'status' then
  local info = cjson.decode(redis.call('HGET', members, peer))
  for key, value in pairs(cjson.decode(ARGV[5])) do info.status[key] = value end
  redis.call('HSET', members, peer, cjson.encode(info))
  publish('all', peer, ARGV[6])
end
return { 'ok' }
`;
