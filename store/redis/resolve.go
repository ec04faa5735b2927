package redis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"xuexibot/store"
	"xuexibot/store/names"
)

// Resolve limits: candidates returned, and "did you mean" names.
const (
	resolveLimit = 10
	nearestLimit = 5
)

// Resolve finds orgs by what a person typed. An exact name or alias costs
// at most two round trips: (1) the names generation and the byname entry,
// pipelined; (2) the org, pipelined with the name list when this process's
// name index is older than the generation. Other queries are answered by
// the name index and cost one more round trip for the org when one
// candidate stands for the query.
func (s *Store) Resolve(ctx context.Context, query string) (store.Resolution, error) {
	res := store.Resolution{Query: query}
	norm := names.Normalize(query)
	var genCmd *redis.StringCmd
	var hitCmd *redis.StringCmd
	_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		genCmd = p.Get(ctx, s.k.namesGen())
		if norm != "" {
			hitCmd = p.HGet(ctx, s.k.byName(), norm)
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return res, s.fail("resolve", err)
	}
	gen, _ := strconv.ParseInt(genCmd.Val(), 10, 64)
	var hit string // the one org the query names exactly, if it names one
	if hitCmd != nil {
		if ids := hitCmd.Val(); ids != "" && !strings.Contains(ids, "\n") {
			hit = ids
		}
	}

	// Round trip 2: the exact hit and, when stale, the name list.
	var orgCmd *redis.StringCmd
	var namesCmd *redis.MapStringStringCmd
	if stale := !s.current(gen); hit != "" || stale {
		_, err := s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
			if hit != "" {
				orgCmd = p.Get(ctx, s.k.org(hit))
			}
			if stale {
				namesCmd = p.HGetAll(ctx, s.k.names())
			}
			return nil
		})
		if err != nil && !errors.Is(err, redis.Nil) {
			return res, s.fail("resolve", err)
		}
	}
	ix, err := s.names.Get(gen, func() ([]names.Entry, error) {
		var m map[string]string
		if namesCmd != nil {
			m = namesCmd.Val()
		} else {
			// Another goroutine moved the cache between our look and now.
			var err error
			if m, err = s.c.HGetAll(ctx, s.k.names()).Result(); err != nil {
				return nil, err
			}
		}
		return decodeEntries(m)
	})
	if err != nil {
		return res, s.fail("resolve: names", err)
	}
	s.loadedAt(gen)

	res.Matches = ix.Lookup(query, resolveLimit)
	if hit != "" && orgCmd != nil && orgCmd.Err() == nil {
		o, err := decodeOrg(orgCmd.Val())
		if err != nil {
			return res, fmt.Errorf("redis: resolve: %w", err)
		}
		res.Org = &o
		res.Matches = first(res.Matches, o, norm)
		return res, nil
	}
	if len(res.Matches) == 0 {
		res.Nearest = ix.Nearest(query, nearestLimit)
		return res, nil
	}
	if m, ok := store.Pick(res.Matches); ok {
		o, err := s.Org(ctx, m.ID)
		if errors.Is(err, store.ErrNotFound) {
			return res, nil
		}
		if err != nil {
			return res, fmt.Errorf("redis: resolve: %w", err)
		}
		res.Org = &o
	}
	return res, nil
}

// first puts the exact hit o at the head of ms, as the name index would.
func first(ms []names.Match, o store.Org, norm string) []names.Match {
	for i, m := range ms {
		if m.ID == o.ID {
			if i > 0 {
				ms = append([]names.Match{m}, append(ms[:i:i], ms[i+1:]...)...)
			}
			return ms
		}
	}
	kind := names.Alias
	if names.Normalize(o.Name) == norm {
		kind = names.Exact
	}
	return append([]names.Match{{ID: o.ID, Name: o.Name, Kind: kind, Score: 1}}, ms...)
}

// current reports whether the name index was loaded at generation gen.
func (s *Store) current(gen int64) bool {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	return s.loaded && s.loadedGen == gen
}

func (s *Store) loadedAt(gen int64) {
	s.genMu.Lock()
	defer s.genMu.Unlock()
	s.loaded, s.loadedGen = true, gen
}

func decodeEntries(m map[string]string) ([]names.Entry, error) {
	out := make([]names.Entry, 0, len(m))
	for id, raw := range m {
		var e names.Entry
		if err := json.Unmarshal([]byte(raw), &e); err != nil {
			return nil, fmt.Errorf("decode names of %s: %w", id, err)
		}
		out = append(out, e)
	}
	return out, nil
}
