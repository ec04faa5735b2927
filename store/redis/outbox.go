package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"xuexibot/store"
)

// enqueueScript stores messages (ARGV in groups of five: id, json, next try
// ms, job, tick ms) in the message hash (KEYS[1]), the job/tick hash
// (KEYS[2]) and the due set (KEYS[3]), first dropping pending messages of
// the same job with an older tick. It scans the job/tick hash: the outbox
// holds tens of messages, not thousands.
var enqueueScript = redis.NewScript(`
for i = 1, #ARGV, 5 do
  local id, js, nt, job, tick = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], tonumber(ARGV[i+4])
  if job ~= '' then
    local meta = redis.call('HGETALL', KEYS[2])
    for j = 1, #meta, 2 do
      local oid = meta[j]
      local ojob, otick = string.match(meta[j+1], '^(.*)\n(%-?%d+)$')
      if oid ~= id and ojob == job and tonumber(otick) < tick then
        redis.call('HDEL', KEYS[1], oid)
        redis.call('HDEL', KEYS[2], oid)
        redis.call('ZREM', KEYS[3], oid)
      end
    end
  end
  redis.call('HSET', KEYS[1], id, js)
  redis.call('HSET', KEYS[2], id, job .. '\n' .. ARGV[i+4])
  redis.call('ZADD', KEYS[3], nt, id)
end
return 0`)

// leaseScript takes up to ARGV[3] due messages (score <= ARGV[1]) from the
// due set (KEYS[1]), moves them to ARGV[2] and returns their JSON from the
// message hash (KEYS[2]).
var leaseScript = redis.NewScript(`
local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[3])
local out = {}
for _, id in ipairs(ids) do
  local js = redis.call('HGET', KEYS[2], id)
  if js then
    redis.call('ZADD', KEYS[1], ARGV[2], id)
    table.insert(out, js)
  else
    redis.call('ZREM', KEYS[1], id)
  end
end
return out`)

func ms(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

// Enqueue stores msgs atomically; pending messages of the same Job with an
// older Tick are dropped. A zero NextTry means now; a zero Created is set.
func (s *Store) Enqueue(ctx context.Context, msgs ...store.OutMsg) error {
	if len(msgs) == 0 {
		return nil
	}
	args := make([]any, 0, 5*len(msgs))
	for _, m := range msgs {
		if m.ID == "" {
			return errors.New("redis: enqueue: a message without id")
		}
		if m.Created.IsZero() {
			m.Created = s.now()
		}
		raw, err := json.Marshal(m)
		if err != nil {
			return fmt.Errorf("redis: enqueue %s: %w", m.ID, err)
		}
		args = append(args, m.ID, raw, ms(m.NextTry), m.Job, ms(m.Tick))
	}
	keys := []string{s.k.outMsg(), s.k.outMeta(), s.k.outDue()}
	if err := enqueueScript.Run(ctx, s.c, keys, args...).Err(); err != nil && !errors.Is(err, redis.Nil) {
		return s.fail(fmt.Sprintf("enqueue %d messages", len(msgs)), err)
	}
	return nil
}

// Lease returns up to limit (0: 100) due messages and moves their NextTry
// to now+lease, atomically, so one sender holds them.
func (s *Store) Lease(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutMsg, error) {
	if limit <= 0 {
		limit = 100
	}
	until := now.Add(lease)
	res, err := leaseScript.Run(ctx, s.c, []string{s.k.outDue(), s.k.outMsg()}, ms(now), ms(until), limit).StringSlice()
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, s.fail("lease", err)
	}
	out := make([]store.OutMsg, 0, len(res))
	for _, raw := range res {
		var m store.OutMsg
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return nil, fmt.Errorf("redis: lease: decode: %w", err)
		}
		m.NextTry = until
		out = append(out, m)
	}
	return out, nil
}

// Done removes a sent message; a missing one is not an error.
func (s *Store) Done(ctx context.Context, id string) error {
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HDel(ctx, s.k.outMsg(), id)
		p.HDel(ctx, s.k.outMeta(), id)
		p.ZRem(ctx, s.k.outDue(), id)
		return nil
	})
	if err != nil {
		return s.fail("done "+id, err)
	}
	return nil
}

// Retry schedules another attempt at next, recording the error and
// counting the attempt. A message that is gone is ErrNotFound.
func (s *Store) Retry(ctx context.Context, id string, next time.Time, lastErr string) error {
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		raw, err := tx.HGet(ctx, s.k.outMsg(), id).Result()
		if errors.Is(err, redis.Nil) {
			return userError{fmt.Errorf("redis: retry %s: %w", id, store.ErrNotFound)}
		}
		if err != nil {
			return err
		}
		var m store.OutMsg
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		m.Attempts++
		m.NextTry, m.LastErr = next, lastErr
		enc, err := json.Marshal(m)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, s.k.outMsg(), id, enc)
			p.ZAdd(ctx, s.k.outDue(), redis.Z{Score: float64(next.UnixMilli()), Member: id})
			return nil
		})
		return err
	}, s.k.outMsg())
	if ue := (userError{}); errors.As(err, &ue) {
		return ue.err
	}
	if err != nil {
		return s.fail("retry "+id, err)
	}
	return nil
}

// Depth returns how many messages wait.
func (s *Store) Depth(ctx context.Context) (int, error) {
	n, err := s.c.ZCard(ctx, s.k.outDue()).Result()
	if err != nil {
		return 0, s.fail("depth", err)
	}
	return int(n), nil
}
