package io.pulsarproxy.engine.redis;

import java.nio.charset.StandardCharsets;

/**
 * The Lua scripts that make each topic's store operations atomic. Every key a script touches is passed in KEYS and
 * carries the topic's hash tag, so each script runs on one Redis Cluster slot.
 * <p>
 * KEYS of both: {@code meta} (hash: {@code seq}, {@code epoch}), {@code log} (stream, entry ids {@code <seq>-0},
 * fields {@code t} = receive time in µs and {@code p} = payload), {@code ids} (hash: idempotency key -> seq) and
 * {@code idq} (list of the keys in {@code ids}, oldest first, to bound the window).
 */
final class RedisScripts
{
    /**
     * Starts a topic's sequence when the store has none (first use, or its keys were lost or expired): a new epoch
     * from the server's clock and the node's tag, seq 0, and no stale stream or keys from an older sequence.
     */
    private static final String INIT =
        "local epoch = redis.call('HGET', KEYS[1], 'epoch')\n" +
        "if not epoch then\n" +
        "  local t = redis.call('TIME')\n" +
        "  epoch = t[1] .. string.format('%06d', tonumber(t[2])) .. '-' .. ARGV[1]\n" +
        "  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4])\n" +
        "  redis.call('HSET', KEYS[1], 'epoch', epoch, 'seq', 0)\n" +
        "end\n";

    /**
     * Stores one topic's messages of a batch. ARGV: node tag, stream cap, idempotency window, TTL in ms (0 = none),
     * channel, message count, then per message its receive time, idempotency key ('' for none) and payload.
     * <p>
     * For each new message: next seq, append to the capped stream, remember its key. Then one PUBLISH carries all of
     * them: {@code <epoch> <first seq> <count>\n} followed, per message, by {@code <time> <length>\n<payload>}.
     * Returns the epoch, then per message its seq, or minus the original's seq for a known idempotency key.
     */
    static final byte[] STORE = (INIT +
        "local window = tonumber(ARGV[3])\n" +
        "local ttl = tonumber(ARGV[4])\n" +
        "local n = tonumber(ARGV[6])\n" +
        "local out = {epoch}\n" +
        "local parts = {}\n" +
        "local first = 0\n" +
        "local count = 0\n" +
        "for i = 0, n - 1 do\n" +
        "  local ts, id, payload = ARGV[7 + i * 3], ARGV[8 + i * 3], ARGV[9 + i * 3]\n" +
        "  local original = false\n" +
        "  if id ~= '' and window > 0 then original = redis.call('HGET', KEYS[3], id) end\n" +
        "  if original then\n" +
        "    out[#out + 1] = -tonumber(original)\n" +
        "  else\n" +
        "    local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)\n" +
        "    redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], seq .. '-0', 't', ts, 'p', payload)\n" +
        "    if id ~= '' and window > 0 then\n" +
        "      redis.call('HSET', KEYS[3], id, seq)\n" +
        "      if redis.call('RPUSH', KEYS[4], id) > window then\n" +
        "        redis.call('HDEL', KEYS[3], redis.call('LPOP', KEYS[4]))\n" +
        "      end\n" +
        "    end\n" +
        "    if count == 0 then first = seq end\n" +
        "    count = count + 1\n" +
        "    parts[#parts + 1] = ts .. ' ' .. #payload .. '\\n'\n" +
        "    parts[#parts + 1] = payload\n" +
        "    out[#out + 1] = seq\n" +
        "  end\n" +
        "end\n" +
        "if count > 0 then\n" +
        "  redis.call('PUBLISH', ARGV[5], epoch .. ' ' .. first .. ' ' .. count .. '\\n' .. table.concat(parts))\n" +
        "end\n" +
        "if ttl > 0 then\n" +
        "  for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ttl) end\n" +
        "end\n" +
        "return out\n").getBytes(StandardCharsets.US_ASCII);

    /**
     * Tells a topic's epoch and current seq, starting its sequence if the store has none. ARGV: node tag.
     */
    static final byte[] SYNC = (INIT +
        "return {epoch, tonumber(redis.call('HGET', KEYS[1], 'seq'))}\n").getBytes(StandardCharsets.US_ASCII);

    private RedisScripts()
    {
    }
}
