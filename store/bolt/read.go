package bolt

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"slices"

	bbolt "go.etcd.io/bbolt"

	"xuexibot/store"
	"xuexibot/store/names"
)

// Org returns one org by id.
func (s *Store) Org(ctx context.Context, id string) (store.Org, error) {
	var o store.Org
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		o, err = getOrg(tx, id)
		return err
	})
	if err != nil {
		return store.Org{}, fmt.Errorf("bolt: org %s: %w", id, err)
	}
	return o, nil
}

// Orgs lists an index's members in score order.
func (s *Store) Orgs(ctx context.Context, q store.Query) ([]store.Org, error) {
	if q.Index == "" {
		q.Index = store.IndexAll
	}
	var out []store.Org
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		ix := tx.Bucket(indexBucket(q.Index))
		if ix == nil {
			return nil
		}
		c := ix.Cursor()
		first, step := c.First, c.Next
		if q.Desc {
			first, step = c.Last, c.Prev
		}
		skip := max(q.Offset, 0)
		for k, _ := first(); k != nil; k, _ = step() {
			if skip > 0 {
				skip--
				continue
			}
			if q.Limit > 0 && len(out) == q.Limit {
				break
			}
			o, err := getOrg(tx, string(k[8:]))
			if err != nil {
				return fmt.Errorf("index %s names %s: %w", q.Index, k[8:], err)
			}
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: orgs %s: %w", q.Index, err)
	}
	return out, nil
}

// Count returns how many orgs an index holds.
func (s *Store) Count(ctx context.Context, index string) (int, error) {
	var n int64
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		n = getInt(tx.Bucket(bIndexCount), []byte(index))
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: count %s: %w", index, err)
	}
	return int(n), nil
}

// Milestones returns the milestones by Order.
//
// Every command asks for them and they change only through SetMilestone or
// Seed of this process (bbolt locks the file), so they are kept decoded.
// The cache is tagged with the milestones generation, which a write bumps
// after its commit: a reader that raced the write tags what it read with
// the generation it started under, and the next reader sees the tag is old.
func (s *Store) Milestones(ctx context.Context) ([]store.Milestone, error) {
	gen := s.msGen.Load()
	if c := s.msCache.Load(); c != nil && c.gen == gen {
		return slices.Clone(c.ms), nil
	}
	var ms []store.Milestone
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		ms, err = getMilestones(tx)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: milestones: %w", err)
	}
	s.msCache.Store(&milestoneCache{gen: gen, ms: slices.Clone(ms)})
	return ms, nil
}

// milestoneCache is the decoded milestones as of generation gen.
type milestoneCache struct {
	gen uint64
	ms  []store.Milestone
}

// Counters returns the aggregates.
func (s *Store) Counters(ctx context.Context) (store.Counters, error) {
	c := store.Counters{}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bCounters).ForEach(func(k, v []byte) error {
			if len(v) != 8 {
				return fmt.Errorf("counter %s: bad value", k)
			}
			c[string(k)] = int64(binary.BigEndian.Uint64(v))
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: counters: %w", err)
	}
	return c, nil
}

// Resolve finds orgs by what a person typed.
func (s *Store) Resolve(ctx context.Context, query string) (store.Resolution, error) {
	r := store.Resolution{Query: query}
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		gen := getInt(tx.Bucket(bMeta), kNamesGen)
		ix, err := s.names.Get(gen, func() ([]names.Entry, error) { return loadNames(tx) })
		if err != nil {
			return err
		}
		r.Matches = ix.Lookup(query, 0)
		if len(r.Matches) == 0 {
			r.Nearest = ix.Nearest(query, 5)
			return nil
		}
		if m, ok := store.Pick(r.Matches); ok {
			o, err := getOrg(tx, m.ID)
			if err != nil {
				return fmt.Errorf("name index names %s: %w", m.ID, err)
			}
			r.Org = &o
		}
		return nil
	})
	if err != nil {
		return store.Resolution{Query: query}, fmt.Errorf("bolt: resolve %q: %w", query, err)
	}
	return r, nil
}

// view runs fn in a read transaction, unless ctx is already done.
func (s *Store) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

// update runs fn in a write transaction, unless ctx is already done.
func (s *Store) update(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.Update(fn)
}

func getOrg(tx *bbolt.Tx, id string) (store.Org, error) {
	v := tx.Bucket(bOrgs).Get([]byte(id))
	if v == nil {
		return store.Org{}, store.ErrNotFound
	}
	var o store.Org
	if err := json.Unmarshal(v, &o); err != nil {
		return store.Org{}, fmt.Errorf("decode: %w", err)
	}
	return o, nil
}

func getMilestones(tx *bbolt.Tx) ([]store.Milestone, error) {
	var ms []store.Milestone
	err := tx.Bucket(bMilestones).ForEach(func(k, v []byte) error {
		var m store.Milestone
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode milestone %s: %w", k, err)
		}
		ms = append(ms, m)
		return nil
	})
	slices.SortStableFunc(ms, func(a, b store.Milestone) int { return a.Order - b.Order })
	return ms, err
}

func loadNames(tx *bbolt.Tx) ([]names.Entry, error) {
	b := tx.Bucket(bNames)
	out := make([]names.Entry, 0, b.Stats().KeyN)
	err := b.ForEach(func(k, v []byte) error {
		var e names.Entry
		if err := json.Unmarshal(v, &e); err != nil {
			return fmt.Errorf("decode names of %s: %w", k, err)
		}
		out = append(out, e)
		return nil
	})
	slices.SortFunc(out, func(a, b names.Entry) int { return a.Order - b.Order })
	return out, err
}
