package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/redis/go-redis/v9"

	"xuexibot/store"
)

// Org returns one org by id.
func (s *Store) Org(ctx context.Context, id string) (store.Org, error) {
	raw, err := s.c.Get(ctx, s.k.org(id)).Result()
	if errors.Is(err, redis.Nil) {
		return store.Org{}, fmt.Errorf("redis: org %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Org{}, s.fail("org "+id, err)
	}
	o, err := decodeOrg(raw)
	if err != nil {
		return store.Org{}, fmt.Errorf("redis: org %s: %w", id, err)
	}
	return o, nil
}

func decodeOrg(raw string) (store.Org, error) {
	var o store.Org
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		return store.Org{}, fmt.Errorf("decode org: %w", err)
	}
	return o, nil
}

// pageScript returns the orgs of one page of an index (KEYS[1]) in one
// round trip: ZRANGE from ARGV[1] to ARGV[2] (reversed when ARGV[3] is
// "1"), then GET of each org key, built from the prefix ARGV[4]. The org
// keys are not declared in KEYS, which Redis Cluster allows for keys of the
// script's own slot; every key here shares the hash tag.
var pageScript = redis.NewScript(`
local ids
if ARGV[3] == '1' then
  ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2], 'REV')
else
  ids = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
end
local out = {}
for i, id in ipairs(ids) do
  out[i] = redis.call('GET', ARGV[4] .. id) or ''
end
return out`)

// pageMax is the largest page Orgs fetches with pageScript; a longer list
// (a whole index for an export) takes two round trips instead of keeping
// Redis busy with one huge reply.
const pageMax = 1000

// Orgs lists the members of an index in score order (then id, as a sorted
// set orders ties): a page of at most 1000 in one round trip, a longer
// list in two (the ids, then the orgs).
func (s *Store) Orgs(ctx context.Context, q store.Query) ([]store.Org, error) {
	ix := q.Index
	if ix == "" {
		ix = store.IndexAll
	}
	start, stop := int64(q.Offset), int64(-1)
	if q.Limit > 0 {
		stop = start + int64(q.Limit) - 1
	}
	if q.Limit > 0 && q.Limit <= pageMax {
		desc := "0"
		if q.Desc {
			desc = "1"
		}
		raws, err := pageScript.Run(ctx, s.c, []string{s.k.index(ix)}, start, stop, desc, s.k.org("")).StringSlice()
		if err != nil && !errors.Is(err, redis.Nil) {
			return nil, s.fail("orgs "+ix, err)
		}
		out := make([]store.Org, 0, len(raws))
		for _, raw := range raws {
			if raw == "" {
				continue
			}
			o, err := decodeOrg(raw)
			if err != nil {
				return nil, fmt.Errorf("redis: orgs %s: %w", ix, err)
			}
			out = append(out, o)
		}
		return out, nil
	}
	var ids []string
	var err error
	if q.Desc {
		ids, err = s.c.ZRevRange(ctx, s.k.index(ix), start, stop).Result()
	} else {
		ids, err = s.c.ZRange(ctx, s.k.index(ix), start, stop).Result()
	}
	if err != nil {
		return nil, s.fail("orgs "+ix, err)
	}
	orgs, err := s.orgsByID(ctx, s.c, ids)
	if err != nil {
		return nil, s.fail("orgs "+ix, err)
	}
	return orgs, nil
}

// orgsByID loads orgs with MGET (one slot, so one command even on a
// Cluster), skipping ids that have no org.
func (s *Store) orgsByID(ctx context.Context, c redis.Cmdable, ids []string) ([]store.Org, error) {
	out := make([]store.Org, 0, len(ids))
	const chunk = 5000 // keep one reply within a sensible size
	for len(ids) > 0 {
		part := ids[:min(chunk, len(ids))]
		ids = ids[len(part):]
		ks := make([]string, len(part))
		for i, id := range part {
			ks[i] = s.k.org(id)
		}
		vals, err := c.MGet(ctx, ks...).Result()
		if err != nil {
			return nil, err
		}
		for _, v := range vals {
			raw, ok := v.(string)
			if !ok {
				continue
			}
			o, err := decodeOrg(raw)
			if err != nil {
				return nil, err
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// Count returns how many orgs an index holds (0 for an unknown index).
func (s *Store) Count(ctx context.Context, index string) (int, error) {
	if index == "" {
		index = store.IndexAll
	}
	n, err := s.c.ZCard(ctx, s.k.index(index)).Result()
	if err != nil {
		return 0, s.fail("count "+index, err)
	}
	return int(n), nil
}

// Milestones returns the milestones by Order.
func (s *Store) Milestones(ctx context.Context) ([]store.Milestone, error) {
	m, err := s.c.HGetAll(ctx, s.k.milestones()).Result()
	if err != nil {
		return nil, s.fail("milestones", err)
	}
	ms, err := decodeMilestones(m)
	if err != nil {
		return nil, fmt.Errorf("redis: milestones: %w", err)
	}
	return ms, nil
}

func decodeMilestones(m map[string]string) ([]store.Milestone, error) {
	out := make([]store.Milestone, 0, len(m))
	for id, raw := range m {
		var ms store.Milestone
		if err := json.Unmarshal([]byte(raw), &ms); err != nil {
			return nil, fmt.Errorf("decode milestone %s: %w", id, err)
		}
		out = append(out, ms)
	}
	slices.SortFunc(out, func(a, b store.Milestone) int {
		if a.Order != b.Order {
			return a.Order - b.Order
		}
		if a.ID < b.ID {
			return -1
		}
		if a.ID > b.ID {
			return 1
		}
		return 0
	})
	return out, nil
}

// Counters returns the aggregates, one HGETALL whatever the registry's size.
func (s *Store) Counters(ctx context.Context) (store.Counters, error) {
	m, err := s.c.HGetAll(ctx, s.k.counters()).Result()
	if err != nil {
		return nil, s.fail("counters", err)
	}
	c := make(store.Counters, len(m))
	for k, v := range m {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("redis: counters: %s=%q: %w", k, v, err)
		}
		if n != 0 {
			c[k] = n
		}
	}
	return c, nil
}
