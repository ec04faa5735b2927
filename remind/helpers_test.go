package remind

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/calendar"
	"xuexibot/store"
	"xuexibot/store/bolt"
)

var sh = store.Shanghai()

// at is a time in Shanghai.
func at(y, m, d, hh, mm int) time.Time {
	return time.Date(y, time.Month(m), d, hh, mm, 0, 0, sh)
}

// clock is an injectable clock tests move by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// backend is what tests need of a store: store.Backend.
type backend = store.Backend

// openBolt opens (and seeds, when empty) a bolt store at path.
func openBolt(t *testing.T, path string) *bolt.Store {
	t.Helper()
	st, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	seed(t, st)
	return st
}

func seed(t *testing.T, st backend) {
	t.Helper()
	s, err := store.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Seed(context.Background(), s); err != nil {
		t.Fatal(err)
	}
}

func newBolt(t *testing.T) *bolt.Store {
	return openBolt(t, filepath.Join(t.TempDir(), "x.db"))
}

var defaultCal = sync.OnceValues(calendar.Default)

// newScheduler builds a scheduler over st with cfg's specs, defaulting the
// rest: Shanghai, the compiled-in calendar, the clock.
func newScheduler(t *testing.T, st backend, clk *clock, cfg Config) *Scheduler {
	t.Helper()
	cal, err := defaultCal()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Registry, cfg.Claims, cfg.Outbox = st, st, st
	cfg.Calendar = cal
	if cfg.Location == nil {
		cfg.Location = sh
	}
	if clk != nil {
		cfg.Now = clk.Now
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// queued returns every message in the outbox, by id, without changing
// what the tests look at (a far-future lease of everything).
func queued(t *testing.T, st backend) []store.OutMsg {
	t.Helper()
	msgs, err := st.Lease(context.Background(), time.Now().AddDate(100, 0, 0), time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(msgs, func(a, b store.OutMsg) int { return strings.Compare(a.ID, b.ID) })
	return msgs
}

// moveDue sets a milestone's due time.
func moveDue(t *testing.T, st backend, id string, due time.Time) {
	t.Helper()
	err := st.SetMilestone(context.Background(), store.Meta{Actor: store.System, Command: "test"}, store.Milestone{ID: id, Due: due})
	if err != nil {
		t.Fatal(err)
	}
}

// endOfDay is how the seed writes due times.
func endOfDay(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 23, 59, 59, 0, sh) }

// recorder is a Poster that records what it was given and fails while
// fail returns an error.
type recorder struct {
	mu    sync.Mutex
	got   []store.OutMsg
	tries int
	fail  func(try int, m store.OutMsg) error
}

func (r *recorder) Post(ctx context.Context, m store.OutMsg) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tries++
	if r.fail != nil {
		if err := r.fail(r.tries, m); err != nil {
			return err
		}
	}
	r.got = append(r.got, m)
	return nil
}

func (r *recorder) sent() []store.OutMsg {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// countMetrics counts the hooks remind calls.
type countMetrics struct {
	mu                    sync.Mutex
	sent, failed, retried map[string]int
	depth                 int
	storeErrs             map[string]int
}

func newCountMetrics() *countMetrics {
	return &countMetrics{sent: map[string]int{}, failed: map[string]int{}, retried: map[string]int{}, storeErrs: map[string]int{}}
}

func (m *countMetrics) ReminderSent(job string)    { m.mu.Lock(); m.sent[job]++; m.mu.Unlock() }
func (m *countMetrics) ReminderFailed(job string)  { m.mu.Lock(); m.failed[job]++; m.mu.Unlock() }
func (m *countMetrics) ReminderRetried(job string) { m.mu.Lock(); m.retried[job]++; m.mu.Unlock() }
func (m *countMetrics) OutboxDepth(n int)          { m.mu.Lock(); m.depth = n; m.mu.Unlock() }
func (m *countMetrics) StoreError(op string)       { m.mu.Lock(); m.storeErrs[op]++; m.mu.Unlock() }
