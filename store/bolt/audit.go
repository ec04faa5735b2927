package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	bbolt "go.etcd.io/bbolt"

	"xuexibot/store"
)

// defaultHistory is History's page size when the caller gives none.
const defaultHistory = 20

// Refuse records a refused attempt; it changes nothing else.
func (s *Store) Refuse(ctx context.Context, c store.Change) error {
	c.Refused = true
	c.ID = ""
	if c.At.IsZero() {
		c.At = s.now()
	}
	err := s.update(ctx, func(tx *bbolt.Tx) error {
		if c.OrgID != "" && c.OrgName == "" {
			if o, err := getOrg(tx, c.OrgID); err == nil {
				c.OrgName = o.Name
			}
		}
		return s.appendChange(tx, &c)
	})
	if err != nil {
		return fmt.Errorf("bolt: refuse %s: %w", c.OrgID, err)
	}
	return nil
}

// appendChange assigns c its id and appends it to the global log and, when
// it is about an org, to that org's history.
func (s *Store) appendChange(tx *bbolt.Tx, c *store.Change) error {
	b := tx.Bucket(bChanges)
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	c.ID = changeID(seq)
	// Record under the clock's time, but never before the last record, so
	// the log's key order is its sequence order even if the clock steps back.
	rec := s.now().UnixNano()
	if k, _ := b.Cursor().Last(); len(k) == 16 {
		rec = max(rec, int64(binary.BigEndian.Uint64(k[:8])))
	}
	key := append(be64(uint64(rec)), be64(seq)...)
	if err := putJSON(b, key, c); err != nil {
		return err
	}
	if c.OrgID == "" {
		return nil
	}
	return tx.Bucket(bHistory).Put(historyKey(c.OrgID, seq), key)
}

func changeID(seq uint64) string { return fmt.Sprintf("%012d", seq) }

func historyKey(orgID string, seq uint64) []byte {
	k := make([]byte, 0, len(orgID)+9)
	k = append(append(k, orgID...), 0)
	return append(k, be64(seq)...)
}

// History returns one org's changes, newest first, after cursor.
func (s *Store) History(ctx context.Context, orgID, cursor string, limit int) ([]store.Change, string, error) {
	if limit <= 0 {
		limit = defaultHistory
	}
	start := uint64(1<<64 - 1)
	if cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			return nil, "", fmt.Errorf("bolt: history %s: %w", orgID, store.Errorf(store.EInvalid, "翻页标记「%s」无效。", cursor))
		}
		start = n
	}
	prefix := append([]byte(orgID), 0)
	var out []store.Change
	more := false
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bHistory).Cursor()
		// Seek lands on the first key at or after start; the page begins
		// just before it, since the cursor's change was already shown.
		k, v := c.Seek(historyKey(orgID, start))
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
		changes := tx.Bucket(bChanges)
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(k) == len(prefix)+8; k, v = c.Prev() {
			if len(out) == limit {
				more = true
				break
			}
			var ch store.Change
			if err := json.Unmarshal(changes.Get(v), &ch); err != nil {
				return fmt.Errorf("decode change %x: %w", k[len(prefix):], err)
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, "", fmt.Errorf("bolt: history %s: %w", orgID, err)
	}
	next := ""
	if more {
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// Changes returns every change recorded at or after since, oldest first,
// at most limit (0: all).
func (s *Store) Changes(ctx context.Context, since time.Time, limit int) ([]store.Change, error) {
	var out []store.Change
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bChanges).Cursor()
		k, v := c.First()
		if !since.IsZero() && since.UnixNano() > 0 {
			k, v = c.Seek(be64(uint64(since.UnixNano())))
		}
		for ; k != nil; k, v = c.Next() {
			if limit > 0 && len(out) == limit {
				break
			}
			var ch store.Change
			if err := json.Unmarshal(v, &ch); err != nil {
				return fmt.Errorf("decode change %x: %w", k, err)
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: changes since %v: %w", since, err)
	}
	return out, nil
}

// refusedJSON marks a refusal in a stored Change (the field is omitempty).
const refusedJSON = `"refused":true`

// Latest returns the newest changes recorded at or after since, newest
// first, at most limit, without refusals unless withRefused. It walks the
// log backwards from its end and stops at since or once it has limit
// changes, so it reads limit changes plus the refusals it skips, however
// long the window. A limit that is not positive is a programming error:
// it returns a *store.Error of code store.EInvalid rather than guess.
func (s *Store) Latest(ctx context.Context, since time.Time, limit int, withRefused bool) ([]store.Change, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("bolt: latest since %v: %w", since, store.Errorf(store.EInvalid, "最近变更的条数须为正数（收到 %d）。", limit))
	}
	// The log is keyed by record time, as Changes selects; before 1970
	// nothing is left out, just as Changes starts at the first key then.
	var floor []byte
	if since.UnixNano() > 0 {
		floor = be64(uint64(since.UnixNano()))
	}
	var out []store.Change
	err := s.view(ctx, func(tx *bbolt.Tx) error {
		c := tx.Bucket(bChanges).Cursor()
		for k, v := c.Last(); k != nil && len(out) < limit; k, v = c.Prev() {
			if floor != nil && bytes.Compare(k[:min(len(k), 8)], floor) < 0 {
				break
			}
			// A refusal skipped is not decoded. The key can only be the
			// Change's own: no nested type has a field "refused", and a
			// quote inside a string value is always escaped.
			if !withRefused && bytes.Contains(v, []byte(refusedJSON)) {
				continue
			}
			var ch store.Change
			if err := json.Unmarshal(v, &ch); err != nil {
				return fmt.Errorf("decode change %x: %w", k, err)
			}
			out = append(out, ch)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("bolt: latest since %v: %w", since, err)
	}
	return out, nil
}
