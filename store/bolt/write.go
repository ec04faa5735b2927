package bolt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"xuexibot/store"
)

// Update loads org id, applies fn to a copy and writes the result with its
// aggregates, indexes and one audit record in one transaction.
func (s *Store) Update(ctx context.Context, id string, m store.Meta, fn func(*store.Org) error) (store.Org, error) {
	var out store.Org
	var fnErr error
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		before, err := getOrg(tx, id)
		if err != nil {
			return err
		}
		after := before.Clone()
		if err := fn(&after); err != nil {
			fnErr = err
			return err
		}
		if after.ID != before.ID || after.Order != before.Order {
			return store.Errorf(store.EInvalid, "%s的标识和排序不能修改。", before.Name)
		}
		if err := store.Validate([]store.Org{after}); err != nil {
			return err
		}
		if sameContent(before, after) {
			out = before
			return nil
		}
		at := s.at(m)
		after.UpdatedAt, after.UpdatedBy = at, m.Actor
		ms, err := getMilestones(tx)
		if err != nil {
			return err
		}
		if err := writeOrg(tx, &before, after, ms); err != nil {
			return err
		}
		out = after
		return s.appendChange(tx, &store.Change{
			At: at, Actor: m.Actor, Command: m.Command, OrgID: after.ID, OrgName: after.Name,
			Fields: store.Diff(before, after, ms),
		})
	})
	if fnErr != nil {
		// The caller's own error, as it gave it.
		return store.Org{}, fnErr
	}
	if err != nil {
		return store.Org{}, fmt.Errorf("bolt: update %s: %w", id, err)
	}
	return out, nil
}

// Put creates or replaces orgs, all or nothing, auditing each that differs.
func (s *Store) Put(ctx context.Context, m store.Meta, orgs []store.Org) error {
	if err := store.Validate(orgs); err != nil {
		return fmt.Errorf("bolt: put: %w", err)
	}
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		ms, err := getMilestones(tx)
		if err != nil {
			return err
		}
		at := s.at(m)
		for _, o := range orgs {
			o = o.Clone()
			before, err := getOrg(tx, o.ID)
			var prev *store.Org
			switch {
			case err == nil:
				if sameContent(before, o) {
					continue
				}
				prev = &before
			case errors.Is(err, store.ErrNotFound):
			default:
				return err
			}
			o.UpdatedAt, o.UpdatedBy = at, m.Actor
			if err := writeOrg(tx, prev, o, ms); err != nil {
				return err
			}
			if err := s.appendChange(tx, &store.Change{
				At: at, Actor: m.Actor, Command: m.Command, OrgID: o.ID, OrgName: o.Name,
				Fields: store.Diff(before, o, ms), // before is the zero Org for a new one
			}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: put %d orgs: %w", len(orgs), err)
	}
	return nil
}

// SetMilestone replaces a milestone's title, short word, text or due time,
// each where ms sets it; its id, level and order stay.
func (s *Store) SetMilestone(ctx context.Context, m store.Meta, ms store.Milestone) error {
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bMilestones)
		v := b.Get([]byte(ms.ID))
		if v == nil {
			return store.ErrNotFound
		}
		var old store.Milestone
		if err := json.Unmarshal(v, &old); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		next := store.MergeMilestone(old, ms)
		fields := store.MilestoneDiff(old, next)
		if len(fields) == 0 {
			return nil
		}
		if err := putJSON(b, []byte(next.ID), next); err != nil {
			return err
		}
		return s.appendChange(tx, &store.Change{At: s.at(m), Actor: m.Actor, Command: m.Command, Fields: fields})
	})
	s.msGen.Add(1) // after the commit (or a failed one: a harmless re-read)
	if err != nil {
		return fmt.Errorf("bolt: set milestone %s: %w", ms.ID, err)
	}
	return nil
}

// Seed loads sd into an empty store in one transaction, with one audit
// record for the whole seed.
func (s *Store) Seed(ctx context.Context, sd store.Seed) (bool, error) {
	if err := store.Validate(sd.Orgs); err != nil {
		return false, fmt.Errorf("bolt: seed: %w", err)
	}
	seeded := false
	start := time.Now()
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		if k, _ := tx.Bucket(bOrgs).Cursor().First(); k != nil {
			return nil
		}
		seeded = true
		return s.seed(tx, sd)
	})
	s.msGen.Add(1)
	if err != nil {
		return false, fmt.Errorf("bolt: seed: %w", err)
	}
	if seeded {
		s.log.Info("bolt store seeded", "orgs", len(sd.Orgs), "milestones", len(sd.Milestones), "took", time.Since(start))
	}
	return seeded, nil
}

// seed writes everything at once: keys sorted per bucket and pages packed
// full, since bbolt appends sorted keys far faster than it inserts at random
// and the seed is never written to in the middle.
func (s *Store) seed(tx *bbolt.Tx, sd store.Seed) error {
	mb := tx.Bucket(bMilestones)
	for _, m := range sd.Milestones {
		if err := putJSON(mb, []byte(m.ID), m); err != nil {
			return err
		}
	}
	type kv struct{ k, v []byte }
	put := func(b *bbolt.Bucket, kvs []kv) error {
		slices.SortFunc(kvs, func(a, b kv) int { return bytes.Compare(a.k, b.k) })
		b.FillPercent = 1
		for _, e := range kvs {
			if err := b.Put(e.k, e.v); err != nil {
				return err
			}
		}
		return nil
	}
	orgs := make([]kv, 0, len(sd.Orgs))
	nameKV := make([]kv, 0, len(sd.Orgs))
	ix := map[string][]kv{}
	ixr := map[string][]kv{}
	counters := store.Counters{}
	for _, o := range sd.Orgs {
		v, err := json.Marshal(o)
		if err != nil {
			return fmt.Errorf("encode %s: %w", o.ID, err)
		}
		orgs = append(orgs, kv{[]byte(o.ID), v})
		if v, err = json.Marshal(store.EntryOf(o)); err != nil {
			return fmt.Errorf("encode names of %s: %w", o.ID, err)
		}
		nameKV = append(nameKV, kv{[]byte(o.ID), v})
		for name, score := range store.Indexes(o, sd.Milestones) {
			sk := scoreKey(score)
			ix[name] = append(ix[name], kv{indexKey(sk, o.ID), nil})
			ixr[name] = append(ixr[name], kv{[]byte(o.ID), sk})
		}
		counters.Add(store.Contribution(o, sd.Milestones))
	}
	if err := put(tx.Bucket(bOrgs), orgs); err != nil {
		return err
	}
	if err := put(tx.Bucket(bNames), nameKV); err != nil {
		return err
	}
	for name, kvs := range ix {
		b, err := tx.CreateBucketIfNotExists(indexBucket(name))
		if err != nil {
			return err
		}
		if err := put(b, kvs); err != nil {
			return err
		}
		r, err := tx.CreateBucketIfNotExists(reverseBucket(name))
		if err != nil {
			return err
		}
		if err := put(r, ixr[name]); err != nil {
			return err
		}
		if err := addInt(tx.Bucket(bIndexCount), []byte(name), int64(len(kvs))); err != nil {
			return err
		}
	}
	for k, v := range counters {
		if err := addInt(tx.Bucket(bCounters), []byte(k), v); err != nil {
			return err
		}
	}
	if err := addInt(tx.Bucket(bMeta), kNamesGen, 1); err != nil {
		return err
	}
	return s.appendChange(tx, &store.Change{
		At: s.now(), Actor: store.System, Command: "seed",
		Fields: store.SeedChange(sd),
	})
}

// writeOrg stores after (replacing before, nil for a new org) and moves the
// counters, indexes and names with it.
func writeOrg(tx *bbolt.Tx, before *store.Org, after store.Org, ms []store.Milestone) error {
	if err := putJSON(tx.Bucket(bOrgs), []byte(after.ID), after); err != nil {
		return err
	}
	var old store.Org
	if before != nil {
		old = *before
	}
	cb := tx.Bucket(bCounters)
	for k, d := range store.Contribution(after, ms).Sub(store.Contribution(old, ms)) {
		if err := addInt(cb, []byte(k), d); err != nil {
			return err
		}
	}
	var oldIx map[string]float64
	if before != nil {
		oldIx = store.Indexes(old, ms)
	}
	newIx := store.Indexes(after, ms)
	for name, score := range oldIx {
		if ns, ok := newIx[name]; ok && ns == score {
			continue
		}
		if err := indexRemove(tx, name, old.ID); err != nil {
			return err
		}
	}
	for name, score := range newIx {
		if os, ok := oldIx[name]; ok && os == score {
			continue
		}
		if err := indexAdd(tx, name, after.ID, score); err != nil {
			return err
		}
	}
	if before == nil || namesChanged(old, after) {
		if err := putJSON(tx.Bucket(bNames), []byte(after.ID), store.EntryOf(after)); err != nil {
			return err
		}
		if err := addInt(tx.Bucket(bMeta), kNamesGen, 1); err != nil {
			return err
		}
	}
	return nil
}

// indexAdd puts id into an index at score, moving it if it was there.
func indexAdd(tx *bbolt.Tx, name, id string, score float64) error {
	b, err := tx.CreateBucketIfNotExists(indexBucket(name))
	if err != nil {
		return err
	}
	r, err := tx.CreateBucketIfNotExists(reverseBucket(name))
	if err != nil {
		return err
	}
	sk := scoreKey(score)
	if old := r.Get([]byte(id)); old != nil {
		if err := b.Delete(indexKey(old, id)); err != nil {
			return err
		}
	} else if err := addInt(tx.Bucket(bIndexCount), []byte(name), 1); err != nil {
		return err
	}
	if err := b.Put(indexKey(sk, id), nil); err != nil {
		return err
	}
	return r.Put([]byte(id), sk)
}

// indexRemove takes id out of an index.
func indexRemove(tx *bbolt.Tx, name, id string) error {
	b, r := tx.Bucket(indexBucket(name)), tx.Bucket(reverseBucket(name))
	if b == nil || r == nil {
		return nil
	}
	old := r.Get([]byte(id))
	if old == nil {
		return nil
	}
	if err := b.Delete(indexKey(old, id)); err != nil {
		return err
	}
	if err := r.Delete([]byte(id)); err != nil {
		return err
	}
	return addInt(tx.Bucket(bIndexCount), []byte(name), -1)
}

func namesChanged(a, b store.Org) bool {
	return a.Name != b.Name || !slices.Equal(a.Aliases, b.Aliases) || a.Level != b.Level || a.Order != b.Order
}

// sameContent reports whether a and b differ in nothing but who last
// updated them and when.
func sameContent(a, b store.Org) bool {
	a.UpdatedAt, a.UpdatedBy = time.Time{}, store.Actor{}
	b.UpdatedAt, b.UpdatedBy = time.Time{}, store.Actor{}
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && bytes.Equal(ja, jb)
}

func putJSON(b *bbolt.Bucket, k []byte, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", k, err)
	}
	return b.Put(k, data)
}

// at is when a change happens: the Meta's time, else the clock's.
func (s *Store) at(m store.Meta) time.Time {
	if !m.At.IsZero() {
		return m.At
	}
	return s.now()
}
