package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"xuexibot/store"
)

// auditScript appends one change to the global stream (KEYS[1]) and, when
// given, the org's stream (KEYS[2]) under one entry id: the change's time in
// ms (ARGV[1]) when that is past the last id, else the last id plus one, so
// ids only grow and Changes(since) can start its XRANGE at since. The org's
// stream never holds an id the global one lacks, so the id fits it too.
var auditScript = redis.NewScript(`
local id = ARGV[1] .. '-0'
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  local ms, seq = string.match(last[1][1], '^(%d+)-(%d+)$')
  ms = tonumber(ms)
  if tonumber(ARGV[1]) <= ms then id = string.format('%.0f-%.0f', ms, tonumber(seq) + 1) end
end
redis.call('XADD', KEYS[1], id, 'c', ARGV[2])
if #KEYS > 1 then redis.call('XADD', KEYS[2], id, 'c', ARGV[2]) end
return id
`)

// auditArgs returns the script's keys and args for c.
func (s *Store) auditArgs(c store.Change) ([]string, []any, error) {
	c.ID = "" // the stream entry id is the change's id
	raw, err := json.Marshal(c)
	if err != nil {
		return nil, nil, fmt.Errorf("encode change: %w", err)
	}
	keys := []string{s.k.audit()}
	if c.OrgID != "" {
		keys = append(keys, s.k.auditOrg(c.OrgID))
	}
	// Stream ids start above 0-0; a change without a sensible time gets 1 ms.
	return keys, []any{strconv.FormatInt(max(c.At.UnixMilli(), 1), 10), raw}, nil
}

// queueAudit queues the append of c into a MULTI. It sends the script's
// text (EVAL), since an EVALSHA that misses inside a MULTI would fail alone
// while the rest of the transaction is applied.
func (s *Store) queueAudit(ctx context.Context, p redis.Pipeliner, c store.Change) {
	keys, args, err := s.auditArgs(c)
	if err != nil {
		// A Change is plain strings and times; it always encodes.
		panic(err)
	}
	auditScript.Eval(ctx, p, keys, args...)
}

// Refuse records a refused attempt in the audit trail and nothing else.
func (s *Store) Refuse(ctx context.Context, c store.Change) error {
	c.Refused = true
	if c.At.IsZero() {
		c.At = s.now()
	}
	keys, args, err := s.auditArgs(c)
	if err != nil {
		return fmt.Errorf("redis: refuse: %w", err)
	}
	if err := auditScript.Run(ctx, s.c, keys, args...).Err(); err != nil {
		return s.fail("refuse", err)
	}
	return nil
}

// History returns one org's changes, newest first, at most limit (0: 50),
// after cursor, in one XREVRANGE.
func (s *Store) History(ctx context.Context, orgID, cursor string, limit int) ([]store.Change, string, error) {
	if limit <= 0 {
		limit = 50
	}
	end := "+"
	if cursor != "" {
		id, ok := streamID(cursor)
		if !ok {
			return nil, "", store.Errorf(store.EInvalid, "翻页位置「%s」无效。", cursor)
		}
		end = "(" + id
	}
	msgs, err := s.c.XRevRangeN(ctx, s.k.auditOrg(orgID), end, "-", int64(limit)+1).Result()
	if err != nil {
		return nil, "", s.fail("history "+orgID, err)
	}
	next := ""
	if len(msgs) > limit {
		msgs = msgs[:limit]
		next = changeID(msgs[limit-1].ID)
	}
	out := make([]store.Change, 0, len(msgs))
	for _, m := range msgs {
		c, err := decodeChange(m)
		if err != nil {
			return nil, "", fmt.Errorf("redis: history %s: %w", orgID, err)
		}
		out = append(out, c)
	}
	return out, next, nil
}

// Changes returns every change at or after since, oldest first, at most
// limit (0: all). Entry ids are at least the change's time, so the scan
// starts at since; a change recorded with an earlier time than one before
// it sits later in the stream and is left out here by its time.
func (s *Store) Changes(ctx context.Context, since time.Time, limit int) ([]store.Change, error) {
	start := "-"
	if !since.IsZero() && since.UnixMilli() > 0 {
		start = strconv.FormatInt(since.UnixMilli(), 10)
	}
	const page = 1000
	var out []store.Change
	for {
		msgs, err := s.c.XRangeN(ctx, s.k.audit(), start, "+", page).Result()
		if err != nil {
			return nil, s.fail("changes", err)
		}
		for _, m := range msgs {
			c, err := decodeChange(m)
			if err != nil {
				return nil, fmt.Errorf("redis: changes: %w", err)
			}
			if c.At.Before(since) {
				continue
			}
			out = append(out, c)
			if limit > 0 && len(out) == limit {
				return out, nil
			}
		}
		if len(msgs) < page {
			return out, nil
		}
		start = "(" + msgs[len(msgs)-1].ID
	}
}

// refusedJSON marks a refusal in an entry's Change (the field is omitempty).
const refusedJSON = `"refused":true`

// Latest returns the newest changes at or after since, newest first, at
// most limit, without refusals unless withRefused. It reads the stream
// backwards with XREVRANGE from its end down to since, in batches of twice
// limit (at least 64), so one round trip answers unless more refusals than
// that must be skipped; each further batch starts below the last entry
// read. A limit that is not positive is a programming error: it returns a
// *store.Error of code store.EInvalid rather than guess.
func (s *Store) Latest(ctx context.Context, since time.Time, limit int, withRefused bool) ([]store.Change, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("redis: latest: %w", store.Errorf(store.EInvalid, "最近变更的条数须为正数（收到 %d）。", limit))
	}
	floor := "-"
	if !since.IsZero() && since.UnixMilli() > 0 {
		floor = strconv.FormatInt(since.UnixMilli(), 10)
	}
	batch := int64(max(2*limit, 64))
	top := "+"
	var out []store.Change
	for {
		msgs, err := s.c.XRevRangeN(ctx, s.k.audit(), top, floor, batch).Result()
		if err != nil {
			return nil, s.fail("latest", err)
		}
		for _, m := range msgs {
			// A refusal skipped is not decoded. The key can only be the
			// Change's own: no nested type has a field "refused", and a
			// quote inside a string value is always escaped.
			if raw, _ := m.Values["c"].(string); !withRefused && strings.Contains(raw, refusedJSON) {
				continue
			}
			c, err := decodeChange(m)
			if err != nil {
				return nil, fmt.Errorf("redis: latest: %w", err)
			}
			// As in Changes: an entry's id may lie above its time (it was
			// recorded after a newer one), and its time decides.
			if c.At.Before(since) {
				continue
			}
			out = append(out, c)
			if len(out) == limit {
				return out, nil
			}
		}
		if int64(len(msgs)) < batch {
			return out, nil
		}
		top = "(" + msgs[len(msgs)-1].ID
	}
}

func decodeChange(m redis.XMessage) (store.Change, error) {
	raw, _ := m.Values["c"].(string)
	var c store.Change
	if err := json.Unmarshal([]byte(raw), &c); err != nil {
		return store.Change{}, fmt.Errorf("decode change %s: %w", m.ID, err)
	}
	c.ID = changeID(m.ID)
	return c, nil
}

// changeID renders a stream id with fixed widths, so that change ids of
// one registry sort as strings in the order they were recorded.
func changeID(streamID string) string {
	ms, seq, ok := strings.Cut(streamID, "-")
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return streamID
	}
	return fmt.Sprintf("%013d-%06d", a, b)
}

// streamID turns a change id back into a stream id.
func streamID(changeID string) (string, bool) {
	ms, seq, ok := strings.Cut(changeID, "-")
	a, err1 := strconv.ParseUint(ms, 10, 64)
	b, err2 := strconv.ParseUint(seq, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return "", false
	}
	return strconv.FormatUint(a, 10) + "-" + strconv.FormatUint(b, 10), true
}
