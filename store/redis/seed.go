package redis

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"xuexibot/store"
)

// Seeding parameters: orgs per MULTI/EXEC chunk, how long the seed lock
// lives (renewed by nothing: 100,000 orgs take seconds), and how often a
// replica waiting for another's seed looks again.
const (
	seedChunk    = 2000
	seedLockTTL  = 2 * time.Minute
	seedPollWait = 100 * time.Millisecond
)

// releaseScript deletes the seed lock only if it is still ours.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// Seed loads sd when the registry holds no org. Two replicas starting
// together seed once: one takes the lock and seeds, the other waits until
// the registry is no longer empty (or the lock lapses, and it tries again).
func (s *Store) Seed(ctx context.Context, sd store.Seed) (bool, error) {
	if err := store.Validate(sd.Orgs); err != nil {
		return false, err
	}
	token := make([]byte, 16)
	rand.Read(token)
	tok := hex.EncodeToString(token)
	for {
		n, err := s.c.ZCard(ctx, s.k.index(store.IndexAll)).Result()
		if err != nil {
			return false, s.fail("seed", err)
		}
		if n > 0 {
			return false, nil
		}
		got, err := s.c.SetNX(ctx, s.k.seedLock(), tok, seedLockTTL).Result()
		if err != nil {
			return false, s.fail("seed: lock", err)
		}
		if got {
			break
		}
		select {
		case <-ctx.Done():
			return false, fmt.Errorf("redis: seed: waiting for another replica's seed: %w", ctx.Err())
		case <-time.After(seedPollWait):
		}
	}
	defer releaseScript.Run(context.WithoutCancel(ctx), s.c, []string{s.k.seedLock()}, tok)
	// Another replica may have finished between our look and our lock.
	if n, err := s.c.ZCard(ctx, s.k.index(store.IndexAll)).Result(); err != nil || n > 0 {
		if err != nil {
			return false, s.fail("seed", err)
		}
		return false, nil
	}
	start := time.Now()
	if err := s.seed(ctx, sd); err != nil {
		return false, s.fail("seed", err)
	}
	s.log.Info("redis: seeded the registry", "orgs", len(sd.Orgs), "milestones", len(sd.Milestones), "took", time.Since(start))
	return true, nil
}

// seed writes sd. Everything but IndexAll, the counters and the
// milestones is written in idempotent chunks; those come last in one
// MULTI, which is what makes the registry count as seeded. A seed that
// died half way is simply done again.
func (s *Store) seed(ctx context.Context, sd store.Seed) error {
	ms := slices.Clone(sd.Milestones)
	// Clear what a seed that died half way may have left in the sets that
	// are filled chunk by chunk.
	clear := []string{s.k.names(), s.k.byName(), s.k.index(store.IndexScope), s.k.index(store.IndexRank)}
	for _, m := range ms {
		clear = append(clear, s.k.index(store.IndexPending(m.ID)))
	}
	if err := s.c.Del(ctx, clear...).Err(); err != nil {
		return err
	}
	byName := map[string][]string{}
	counters := store.Counters{}
	var all []redis.Z
	for start := 0; start < len(sd.Orgs); start += seedChunk {
		part := sd.Orgs[start:min(start+seedChunk, len(sd.Orgs))]
		_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			ix := map[string][]redis.Z{}
			entries := make([]any, 0, 2*len(part))
			for _, o := range part {
				raw, err := json.Marshal(o)
				if err != nil {
					return fmt.Errorf("encode org %s: %w", o.ID, err)
				}
				p.Set(ctx, s.k.org(o.ID), raw, 0)
				entry, err := json.Marshal(store.EntryOf(o))
				if err != nil {
					return fmt.Errorf("encode names of %s: %w", o.ID, err)
				}
				entries = append(entries, o.ID, entry)
				for name, score := range store.Indexes(o, ms) {
					z := redis.Z{Score: score, Member: o.ID}
					if name == store.IndexAll {
						all = append(all, z)
					} else {
						ix[name] = append(ix[name], z)
					}
				}
				counters.Add(store.Contribution(o, ms))
				for _, n := range normsOf(&o) {
					byName[n] = append(byName[n], o.ID)
				}
			}
			p.HSet(ctx, s.k.names(), entries...)
			for name, zs := range ix {
				p.ZAdd(ctx, s.k.index(name), zs...)
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("orgs %d-%d: %w", start+1, start+len(part), err)
		}
	}
	var pairs []any
	for n, ids := range byName {
		slices.Sort(ids)
		pairs = append(pairs, n, strings.Join(ids, "\n"))
	}
	for start := 0; start < len(pairs); start += 2 * seedChunk {
		if err := s.c.HSet(ctx, s.k.byName(), pairs[start:min(start+2*seedChunk, len(pairs))]...).Err(); err != nil {
			return fmt.Errorf("name map: %w", err)
		}
	}
	_, err := s.c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, s.k.counters(), s.k.milestones(), s.k.index(store.IndexAll))
		var cs []any
		for k, v := range counters {
			if v != 0 {
				cs = append(cs, k, strconv.FormatInt(v, 10))
			}
		}
		if len(cs) > 0 {
			p.HSet(ctx, s.k.counters(), cs...)
		}
		var mv []any
		for _, m := range ms {
			raw, err := json.Marshal(m)
			if err != nil {
				return fmt.Errorf("encode milestone %s: %w", m.ID, err)
			}
			mv = append(mv, m.ID, raw)
		}
		if len(mv) > 0 {
			p.HSet(ctx, s.k.milestones(), mv...)
		}
		for start := 0; start < len(all); start += 10 * seedChunk {
			p.ZAdd(ctx, s.k.index(store.IndexAll), all[start:min(start+10*seedChunk, len(all))]...)
		}
		p.Incr(ctx, s.k.namesGen())
		s.queueAudit(ctx, p, store.Change{
			At: s.now(), Actor: store.System, Command: "seed",
			Fields: store.SeedChange(sd),
		})
		return nil
	})
	if err != nil {
		return fmt.Errorf("final write: %w", err)
	}
	return nil
}
