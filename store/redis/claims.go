package redis

import (
	"context"
	"time"
)

// Claim reports true to exactly one caller per key until ttl passes (SET NX PX).
func (s *Store) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := s.c.SetNX(ctx, s.k.claim(key), "1", max(ttl, time.Millisecond)).Result()
	if err != nil {
		return false, s.fail("claim "+key, err)
	}
	return ok, nil
}

// Release gives a claim back.
func (s *Store) Release(ctx context.Context, key string) error {
	if err := s.c.Del(ctx, s.k.claim(key)).Err(); err != nil {
		return s.fail("release "+key, err)
	}
	return nil
}
