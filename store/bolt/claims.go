package bolt

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// sweepEvery is how many claims pass between sweeps of expired ones, and
// sweepMax how many one sweep deletes, so the bucket stays as small as the
// claims alive without one claim paying for a long scan.
const (
	sweepEvery = 256
	sweepMax   = 1024
)

// Claim reports true to exactly one caller per key until ttl passes. Claims
// are kept in the file, so a reminder tick claimed before a restart is not
// sent again after it.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("bolt: claim %s: %w", key, err)
	}
	sweep := s.claimN.Add(1)%sweepEvery == 0
	var won bool
	// A plain Update: Batch would make every claim wait up to 10 ms for
	// company, and claims here are reminder ticks, not message bursts.
	err := s.db.Update(func(tx *bbolt.Tx) error {
		now := s.now()
		b := tx.Bucket(bClaims)
		if sweep {
			if err := sweepClaims(b, now); err != nil {
				return err
			}
		}
		if v := b.Get([]byte(key)); len(v) == 8 && now.UnixNano() < int64(binary.BigEndian.Uint64(v)) {
			won = false
			return nil
		}
		won = true
		return b.Put([]byte(key), binary.BigEndian.AppendUint64(nil, uint64(now.Add(ttl).UnixNano())))
	})
	if err != nil {
		return false, fmt.Errorf("bolt: claim %s: %w", key, err)
	}
	return won, nil
}

// sweepClaims deletes up to sweepMax expired claims.
func sweepClaims(b *bbolt.Bucket, now time.Time) error {
	var expired [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil && len(expired) < sweepMax; k, v = c.Next() {
		if len(v) != 8 || now.UnixNano() >= int64(binary.BigEndian.Uint64(v)) {
			expired = append(expired, k)
		}
	}
	for _, k := range expired {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Release gives a claim back.
func (s *Store) Release(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: release %s: %w", key, err)
	}
	err := s.db.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bClaims).Delete([]byte(key)) })
	if err != nil {
		return fmt.Errorf("bolt: release %s: %w", key, err)
	}
	return nil
}
