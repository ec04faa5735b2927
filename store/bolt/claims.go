package bolt

import (
	"context"
	"fmt"
	"time"
)

// sweepEvery is how many claims pass between sweeps of expired ones, so the
// map stays as small as the claims alive.
const sweepEvery = 256

// Claim reports true to exactly one caller per key until ttl passes.
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("bolt: claim %s: %w", key, err)
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claimN++
	if s.claimN%sweepEvery == 0 {
		for k, exp := range s.claims {
			if !now.Before(exp) {
				delete(s.claims, k)
			}
		}
	}
	if exp, ok := s.claims[key]; ok && now.Before(exp) {
		return false, nil
	}
	s.claims[key] = now.Add(ttl)
	return true, nil
}

// Release gives a claim back.
func (s *Store) Release(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: release %s: %w", key, err)
	}
	s.mu.Lock()
	delete(s.claims, key)
	s.mu.Unlock()
	return nil
}
