package bot

import (
	"context"
	"sync"
	"time"
)

// Claimer gives the right to answer a message to exactly one caller per key
// until the claim's ttl passes. Store backends implement it (store.Claims);
// NewMemoryClaims serves a single process.
type Claimer interface {
	// Claim reports true to exactly one caller per key until ttl passes.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Release gives a claim back, so a failed attempt can be retried.
	Release(ctx context.Context, key string) error
}

// MemoryClaims is an in-process Claimer for the console and for a single
// process on the embedded store. It is safe for concurrent use.
type MemoryClaims struct {
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	claims map[string]time.Time // key -> expiry
	sweep  time.Time            // next time expired claims are dropped
}

// NewMemoryClaims returns an empty in-process Claimer.
func NewMemoryClaims() *MemoryClaims {
	return &MemoryClaims{claims: make(map[string]time.Time)}
}

func (c *MemoryClaims) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Claim reports true when key is not claimed or its claim has expired.
func (c *MemoryClaims) Claim(_ context.Context, key string, ttl time.Duration) (bool, error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.claims == nil {
		c.claims = make(map[string]time.Time)
	}
	// Drop expired claims now and then so the map stays as small as the
	// number of claims alive, without a goroutine to stop.
	if now.After(c.sweep) {
		for k, exp := range c.claims {
			if !now.Before(exp) {
				delete(c.claims, k)
			}
		}
		c.sweep = now.Add(time.Minute)
	}
	if exp, ok := c.claims[key]; ok && now.Before(exp) {
		return false, nil
	}
	c.claims[key] = now.Add(ttl)
	return true, nil
}

// Release forgets key's claim.
func (c *MemoryClaims) Release(_ context.Context, key string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.claims, key)
	return nil
}
