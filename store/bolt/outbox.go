package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"xuexibot/store"
)

// The outbox holds a few digests at a time, so its operations scan it
// rather than keep indexes.

// Enqueue stores msgs. Pending messages of the same Job with an older Tick
// are dropped; a message older than a pending one of its Job is not stored.
// Messages without a Job never supersede each other.
func (s *Store) Enqueue(ctx context.Context, msgs ...store.OutMsg) error {
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bOutbox)
		for _, m := range msgs {
			if m.ID == "" {
				return store.Errorf(store.EInvalid, "待发消息缺少标识。")
			}
			if m.Created.IsZero() {
				m.Created = s.now()
			}
			if m.Job != "" {
				superseded := false
				var drop [][]byte
				err := eachMsg(b, func(k []byte, p store.OutMsg) error {
					switch {
					case p.Job != m.Job || p.ID == m.ID:
					case p.Tick.Before(m.Tick):
						drop = append(drop, k)
					case m.Tick.Before(p.Tick):
						superseded = true
					}
					return nil
				})
				if err != nil {
					return err
				}
				if superseded {
					continue
				}
				for _, k := range drop {
					if err := b.Delete(k); err != nil {
						return err
					}
				}
			}
			if err := putJSON(b, []byte(m.ID), m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("bolt: enqueue %d: %w", len(msgs), err)
	}
	return nil
}

// Lease returns up to limit (0: all) due messages, oldest NextTry first,
// and moves their NextTry to now+lease. Each lease counts as an attempt.
func (s *Store) Lease(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutMsg, error) {
	var out []store.OutMsg
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bOutbox)
		err := eachMsg(b, func(_ []byte, m store.OutMsg) error {
			if !m.NextTry.After(now) {
				out = append(out, m)
			}
			return nil
		})
		if err != nil {
			return err
		}
		slices.SortFunc(out, func(a, b store.OutMsg) int {
			if c := a.NextTry.Compare(b.NextTry); c != 0 {
				return c
			}
			return strings.Compare(a.ID, b.ID)
		})
		if limit > 0 && len(out) > limit {
			out = out[:limit]
		}
		for i := range out {
			out[i].NextTry = now.Add(lease)
			out[i].Attempts++
			if err := putJSON(b, []byte(out[i].ID), out[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: lease: %w", err)
	}
	return out, nil
}

// Done removes a sent message; a missing one is not an error.
func (s *Store) Done(ctx context.Context, id string) error {
	if err := s.update(ctx, func(tx *bbolt.Tx) error { return tx.Bucket(bOutbox).Delete([]byte(id)) }); err != nil {
		return fmt.Errorf("bolt: outbox done %s: %w", id, err)
	}
	return nil
}

// Retry schedules another attempt at next, recording the error. A message
// that is gone (sent, or superseded by a newer tick) is ErrNotFound.
func (s *Store) Retry(ctx context.Context, id string, next time.Time, lastErr string) error {
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bOutbox)
		v := b.Get([]byte(id))
		if v == nil {
			return store.ErrNotFound
		}
		var m store.OutMsg
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode: %w", err)
		}
		m.NextTry, m.LastErr = next, lastErr
		return putJSON(b, []byte(id), m)
	})
	if err != nil {
		return fmt.Errorf("bolt: outbox retry %s: %w", id, err)
	}
	return nil
}

// Depth returns how many messages wait.
func (s *Store) Depth(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		n = tx.Bucket(bOutbox).Stats().KeyN
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("bolt: outbox depth: %w", err)
	}
	return n, nil
}

func eachMsg(b *bbolt.Bucket, fn func(k []byte, m store.OutMsg) error) error {
	return b.ForEach(func(k, v []byte) error {
		var m store.OutMsg
		if err := json.Unmarshal(v, &m); err != nil {
			return fmt.Errorf("decode outbox %s: %w", k, err)
		}
		return fn(k, m)
	})
}
