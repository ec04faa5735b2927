package dingtalk

import (
	"context"
	"sync"
	"time"
)

// pacer spaces sends per key (a group, the custom robot, a person) so that at
// most n start within any window: a sliding window rather than a refilling
// bucket, since a bucket of 20 refilled at 20 a minute lets 40 through in the
// first minute. Sends beyond the limit wait their turn; none is dropped.
type pacer struct {
	n      int
	window time.Duration

	mu    sync.Mutex
	slots map[string][]time.Time // per key, the last n start times, ascending
}

func newPacer(n int, window time.Duration) *pacer {
	return &pacer{n: n, window: window, slots: make(map[string][]time.Time)}
}

// reserve books the earliest start for key at or after now and returns it.
func (p *pacer) reserve(key string, now time.Time) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.slots[key]
	at := now
	if len(s) >= p.n {
		if next := s[len(s)-p.n].Add(p.window); next.After(at) {
			at = next
		}
	}
	s = append(s, at)
	if len(s) > p.n {
		s = append(s[:0], s[len(s)-p.n:]...)
	}
	// Forget keys whose window has passed, so the map stays small.
	if len(p.slots) > 1024 {
		for k, ks := range p.slots {
			if now.Sub(ks[len(ks)-1]) > p.window {
				delete(p.slots, k)
			}
		}
	}
	p.slots[key] = s
	return at
}

// wait reserves a start for key and sleeps until it, or until ctx ends.
func (c *Client) wait(ctx context.Context, key string) error {
	at := c.pacer.reserve(key, c.opt.Now())
	return sleep(ctx, at.Sub(c.opt.Now()))
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
