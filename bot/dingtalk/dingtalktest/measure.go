package dingtalktest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"
)

// RoundTrips summarises MeasureRoundTrips.
type RoundTrips struct {
	N, Failed          int
	P50, P90, P99, Max time.Duration
	Elapsed            time.Duration
	PerSecond          float64 // answered messages per second of Elapsed
}

func (r RoundTrips) String() string {
	return fmt.Sprintf("n=%d failed=%d p50=%v p90=%v p99=%v max=%v %.0f msg/s",
		r.N, r.Failed, r.P50, r.P90, r.P99, r.Max, r.PerSecond)
}

// RoundTrip pushes m (its ID is replaced by a fresh one) and waits for the
// first reply on its sessionWebhook; it returns the time between handing the
// frame to the connection and the reply arriving.
func (s *Server) RoundTrip(ctx context.Context, m Msg) (time.Duration, Sent, error) {
	m.ID = s.id("rt")
	w := make(chan Sent, 1)
	s.mu.Lock()
	s.waiters[m.ID] = w
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.waiters, m.ID)
		s.mu.Unlock()
	}()
	start := time.Now()
	s.Push(m)
	select {
	case got := <-w:
		return got.At.Sub(start), got, nil
	case <-ctx.Done():
		return 0, Sent{}, fmt.Errorf("dingtalktest: round trip %s: %w", m.ID, ctx.Err())
	}
}

// MeasureRoundTrips runs n round trips of m, concurrency at a time, each
// bounded by perTrip, and summarises their latency and throughput.
func (s *Server) MeasureRoundTrips(ctx context.Context, n, concurrency int, perTrip time.Duration, m Msg) RoundTrips {
	if concurrency < 1 {
		concurrency = 1
	}
	var (
		mu   sync.Mutex
		ds   []time.Duration
		fail int
		wg   sync.WaitGroup
	)
	jobs := make(chan struct{})
	start := time.Now()
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range jobs {
				tctx, cancel := context.WithTimeout(ctx, perTrip)
				d, _, err := s.RoundTrip(tctx, m)
				cancel()
				mu.Lock()
				if err != nil {
					fail++
				} else {
					ds = append(ds, d)
				}
				mu.Unlock()
			}
		}()
	}
	for range n {
		jobs <- struct{}{}
	}
	close(jobs)
	wg.Wait()
	r := RoundTrips{N: len(ds), Failed: fail, Elapsed: time.Since(start)}
	if len(ds) == 0 {
		return r
	}
	slices.Sort(ds)
	q := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	r.P50, r.P90, r.P99, r.Max = q(0.50), q(0.90), q(0.99), ds[len(ds)-1]
	r.PerSecond = float64(len(ds)) / r.Elapsed.Seconds()
	return r
}
