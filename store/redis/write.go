package redis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redis/go-redis/v9"

	"xuexibot/store"
	"xuexibot/store/names"
)

// Update loads org id, calls fn on a copy and writes the result with its
// counters, indexes, names and one audit change in one MULTI/EXEC, retried
// while concurrent writers win. fn's error is returned as is. A change to
// the ID or Order is ignored.
func (s *Store) Update(ctx context.Context, id string, m store.Meta, fn func(*store.Org) error) (store.Org, error) {
	var out store.Org
	orgKey := s.k.org(id)
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		var get *redis.StringCmd
		var msCmd *redis.MapStringStringCmd
		_, err := tx.Pipelined(ctx, func(p redis.Pipeliner) error {
			get = p.Get(ctx, orgKey)
			msCmd = p.HGetAll(ctx, s.k.milestones())
			return nil
		})
		if errors.Is(get.Err(), redis.Nil) {
			return userError{fmt.Errorf("redis: update %s: %w", id, store.ErrNotFound)}
		}
		if err != nil {
			return err
		}
		before, err := decodeOrg(get.Val())
		if err != nil {
			return err
		}
		ms, err := decodeMilestones(msCmd.Val())
		if err != nil {
			return err
		}
		after := before.Clone()
		if err := fn(&after); err != nil {
			return userError{err}
		}
		// The ID and Order are the org's identity and its place in every
		// list; fn may not move them.
		if after.ID != before.ID || after.Order != before.Order {
			return userError{store.Errorf(store.EInvalid, "%s的标识和排序不能修改。", before.Name)}
		}
		if err := store.Validate([]store.Org{after}); err != nil {
			return userError{err}
		}
		if sameJSON(before, after) {
			out = before
			return nil
		}
		at := m.At
		if at.IsZero() {
			at = s.now()
		}
		after.UpdatedAt, after.UpdatedBy = at, m.Actor
		change := store.Change{At: at, Actor: m.Actor, Command: m.Command, OrgID: id, OrgName: after.Name, Fields: store.Diff(before, after, ms)}
		var book *nameBook
		if namesChanged(&before, after) {
			// Renames are rare; only they contend on the shared byname hash.
			if err := tx.Watch(ctx, s.k.byName()).Err(); err != nil {
				return err
			}
			if book, err = s.readNameBook(ctx, tx, append(normsOf(&before), normsOf(&after)...)); err != nil {
				return err
			}
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			if err := s.queueOrg(ctx, p, &before, after, ms, book, &change); err != nil {
				return err
			}
			book.queue(ctx, p, s.k.byName())
			return nil
		})
		if err == nil {
			out = after
		}
		return err
	}, orgKey)
	if ue := (userError{}); errors.As(err, &ue) {
		return store.Org{}, ue.err
	}
	if err != nil {
		return store.Org{}, s.fail("update "+id, err)
	}
	return out, nil
}

// Put creates or replaces orgs, all or nothing: it checks every org first,
// then WATCHes all their keys and writes every org that differs, with one
// change each, in one MULTI/EXEC.
func (s *Store) Put(ctx context.Context, m store.Meta, orgs []store.Org) error {
	if len(orgs) == 0 {
		return nil
	}
	if err := store.Validate(orgs); err != nil {
		return err
	}
	watch := make([]string, 0, len(orgs)+1)
	ids := make([]string, 0, len(orgs))
	for _, o := range orgs {
		watch = append(watch, s.k.org(o.ID))
		ids = append(ids, o.ID)
	}
	watch = append(watch, s.k.byName())
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		current, err := s.orgsByID(ctx, tx, ids)
		if err != nil {
			return err
		}
		before := make(map[string]*store.Org, len(current))
		for i := range current {
			before[current[i].ID] = &current[i]
		}
		ms, err := s.milestonesOf(ctx, tx)
		if err != nil {
			return err
		}
		at := m.At
		if at.IsZero() {
			at = s.now()
		}
		type write struct {
			before *store.Org
			after  store.Org
			change store.Change
		}
		var writes []write
		var norms []string
		for _, o := range orgs {
			b := before[o.ID]
			after := o.Clone()
			if b != nil && samePut(*b, after) {
				continue
			}
			after.UpdatedAt, after.UpdatedBy = at, m.Actor
			var fields []store.FieldChange
			if b != nil {
				fields = store.Diff(*b, after, ms)
			} else {
				fields = store.Diff(store.Org{}, after, ms)
			}
			writes = append(writes, write{b, after, store.Change{At: at, Actor: m.Actor, Command: m.Command, OrgID: o.ID, OrgName: o.Name, Fields: fields}})
			if namesChanged(b, after) {
				norms = append(norms, normsOf(b)...)
				norms = append(norms, normsOf(&after)...)
			}
		}
		if len(writes) == 0 {
			return nil
		}
		book, err := s.readNameBook(ctx, tx, norms)
		if err != nil {
			return err
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for _, w := range writes {
				if err := s.queueOrg(ctx, p, w.before, w.after, ms, book, &w.change); err != nil {
					return err
				}
			}
			book.queue(ctx, p, s.k.byName())
			return nil
		})
		return err
	}, watch...)
	if err != nil {
		return s.fail(fmt.Sprintf("put %d orgs", len(orgs)), err)
	}
	return nil
}

// queueOrg queues the write of one org into a MULTI: the org, the counter
// deltas, the index moves, its names, and its audit change (nil: none).
// before is nil for a new org.
func (s *Store) queueOrg(ctx context.Context, p redis.Pipeliner, before *store.Org, after store.Org, ms []store.Milestone, book *nameBook, change *store.Change) error {
	raw, err := json.Marshal(after)
	if err != nil {
		return fmt.Errorf("encode org %s: %w", after.ID, err)
	}
	p.Set(ctx, s.k.org(after.ID), raw, 0)
	var bc store.Counters
	var bi map[string]float64
	if before != nil {
		bc, bi = store.Contribution(*before, ms), store.Indexes(*before, ms)
	}
	for k, d := range store.Contribution(after, ms).Sub(bc) {
		p.HIncrBy(ctx, s.k.counters(), k, d)
	}
	ai := store.Indexes(after, ms)
	for ix := range bi {
		if _, ok := ai[ix]; !ok {
			p.ZRem(ctx, s.k.index(ix), after.ID)
		}
	}
	for ix, score := range ai {
		if old, ok := bi[ix]; !ok || old != score {
			p.ZAdd(ctx, s.k.index(ix), redis.Z{Score: score, Member: after.ID})
		}
	}
	if namesChanged(before, after) {
		entry, err := json.Marshal(store.EntryOf(after))
		if err != nil {
			return fmt.Errorf("encode names of %s: %w", after.ID, err)
		}
		p.HSet(ctx, s.k.names(), after.ID, entry)
		book.move(after.ID, normsOf(before), normsOf(&after))
		p.Incr(ctx, s.k.namesGen())
	}
	if change != nil {
		s.queueAudit(ctx, p, *change)
	}
	return nil
}

func (s *Store) milestonesOf(ctx context.Context, c redis.Cmdable) ([]store.Milestone, error) {
	m, err := c.HGetAll(ctx, s.k.milestones()).Result()
	if err != nil {
		return nil, err
	}
	return decodeMilestones(m)
}

// sameJSON reports whether two orgs store the same.
func sameJSON(a, b store.Org) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// samePut reports whether putting b over a changes nothing but the stamp
// of who changed it last.
func samePut(a, b store.Org) bool {
	a.UpdatedAt, a.UpdatedBy = b.UpdatedAt, b.UpdatedBy
	return sameJSON(a, b)
}

// namesChanged reports whether the name index must learn about after.
func namesChanged(before *store.Org, after store.Org) bool {
	if before == nil {
		return true
	}
	return before.Name != after.Name || !slices.Equal(before.Aliases, after.Aliases) ||
		before.Level != after.Level || before.Order != after.Order
}

// normsOf lists o's normalised name and aliases, each once.
func normsOf(o *store.Org) []string {
	if o == nil {
		return nil
	}
	var out []string
	for _, n := range append([]string{o.Name}, o.Aliases...) {
		if n = names.Normalize(n); n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// nameBook edits entries of the byname hash: normalised name -> the ids
// that carry it, sorted and "\n"-joined (two orgs may share an alias).
// A nil book ignores edits.
type nameBook struct {
	lists map[string][]string
	dirty map[string]bool
}

func (s *Store) readNameBook(ctx context.Context, c redis.Cmdable, norms []string) (*nameBook, error) {
	b := &nameBook{lists: map[string][]string{}, dirty: map[string]bool{}}
	slices.Sort(norms)
	norms = slices.Compact(norms)
	if len(norms) == 0 {
		return b, nil
	}
	vals, err := c.HMGet(ctx, s.k.byName(), norms...).Result()
	if err != nil {
		return nil, err
	}
	for i, v := range vals {
		if str, ok := v.(string); ok && str != "" {
			b.lists[norms[i]] = strings.Split(str, "\n")
		} else {
			b.lists[norms[i]] = nil
		}
	}
	return b, nil
}

func (b *nameBook) move(id string, from, to []string) {
	if b == nil {
		return
	}
	for _, n := range from {
		if !slices.Contains(to, n) {
			b.lists[n] = slices.DeleteFunc(b.lists[n], func(x string) bool { return x == id })
			b.dirty[n] = true
		}
	}
	for _, n := range to {
		if l := b.lists[n]; !slices.Contains(l, id) {
			l = append(l, id)
			slices.Sort(l)
			b.lists[n] = l
			b.dirty[n] = true
		}
	}
}

func (b *nameBook) queue(ctx context.Context, p redis.Pipeliner, key string) {
	if b == nil {
		return
	}
	var set []any
	for n := range b.dirty {
		if l := b.lists[n]; len(l) > 0 {
			set = append(set, n, strings.Join(l, "\n"))
		} else {
			p.HDel(ctx, key, n)
		}
	}
	if len(set) > 0 {
		p.HSet(ctx, key, set...)
	}
}

// SetMilestone replaces a milestone's title, short word, text or due time
// (fields left empty or zero are kept; the id, level and order never
// change, so counters and indexes stay valid), with one audit change.
func (s *Store) SetMilestone(ctx context.Context, m store.Meta, ms store.Milestone) error {
	key := s.k.milestones()
	err := s.optimistic(ctx, func(tx *redis.Tx) error {
		raw, err := tx.HGet(ctx, key, ms.ID).Result()
		if errors.Is(err, redis.Nil) {
			return userError{fmt.Errorf("redis: set milestone %s: %w", ms.ID, store.ErrNotFound)}
		}
		if err != nil {
			return err
		}
		var old store.Milestone
		if err := json.Unmarshal([]byte(raw), &old); err != nil {
			return fmt.Errorf("decode milestone %s: %w", ms.ID, err)
		}
		next := store.MergeMilestone(old, ms)
		fields := store.MilestoneDiff(old, next)
		if len(fields) == 0 {
			return nil
		}
		enc, err := json.Marshal(next)
		if err != nil {
			return err
		}
		at := m.At
		if at.IsZero() {
			at = s.now()
		}
		change := store.Change{At: at, Actor: m.Actor, Command: m.Command, Fields: fields}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, key, ms.ID, enc)
			s.queueAudit(ctx, p, change)
			return nil
		})
		return err
	}, key)
	if ue := (userError{}); errors.As(err, &ue) {
		return ue.err
	}
	if err != nil {
		return s.fail("set milestone "+ms.ID, err)
	}
	return nil
}
