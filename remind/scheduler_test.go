package remind

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/internal/redistest"
	"xuexibot/store"
	"xuexibot/store/redis"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func TestSpecs(t *testing.T) {
	st := newBolt(t)
	ok := []Config{
		{Deadline: "0 9 * * *", Lagging: "30 9 * * 1-5", Report: "0 17 * * 5"},
		{Deadline: "*/3 * * * * *"}, // leading seconds
		{Deadline: "@daily", Lagging: "@weekly", Report: ""},
		{Deadline: "CRON_TZ=Asia/Shanghai 0 9 * * *"},
		{},
	}
	for _, cfg := range ok {
		cfg.Registry, cfg.Claims, cfg.Outbox = st, st, st
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
	for _, tc := range []struct {
		cfg  Config
		want []string
	}{
		{Config{Lagging: "30 9 * *"}, []string{"reminders.lagging: 无效的 cron 表达式 \"30 9 * *\""}},
		{Config{Deadline: "61 9 * * *", Report: "0 17 * * 8"}, []string{"reminders.deadline:", "reminders.report:"}},
		{Config{Report: "@every 1h"}, []string{"reminders.report: 不支持 @every"}},
		{Config{Deadline: "@fortnightly"}, []string{"reminders.deadline:"}},
		{Config{Deadline: "TZ=Asia/Shanghai"}, []string{"reminders.deadline: 无效的 cron 表达式"}}, // cron panics on this
		{Config{Deadline: "0 9 * * *", CatchUp: -time.Second}, []string{"reminders.catch_up"}},
	} {
		cfg := tc.cfg
		cfg.Registry, cfg.Claims, cfg.Outbox = st, st, st
		_, err := New(cfg)
		if err == nil {
			t.Errorf("New(%+v) succeeded", tc.cfg)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("New(%+v) = %q, want it to say %q", tc.cfg, err, w)
			}
		}
	}
}

func TestScheduleAPI(t *testing.T) {
	clk := newClock(at(2019, 3, 8, 10, 0)) // Friday
	s := newScheduler(t, newBolt(t), clk, Config{Deadline: "0 9 * * *", Lagging: "30 9 * * *", WorkdaysOnly: true})
	if got := strings.Join(s.JobNames(), ","); got != "deadline,lagging,report" {
		t.Errorf("JobNames = %s", got)
	}
	if s.Spec(JobDeadline) != "0 9 * * *" || s.Spec(JobReport) != "" || s.Spec("nope") != "" {
		t.Errorf("Spec: %q %q", s.Spec(JobDeadline), s.Spec(JobReport))
	}
	// The weekend is skipped.
	if got, want := s.Next(JobLagging), at(2019, 3, 11, 9, 30); !got.Equal(want) {
		t.Errorf("Next(lagging) = %v, want %v", got, want)
	}
	if !s.Next(JobReport).IsZero() || !s.Next("nope").IsZero() {
		t.Error("Next of an off or unknown job must be zero")
	}
	// Seconds.
	s = newScheduler(t, newBolt(t), clk, Config{Deadline: "*/3 * * * * *"})
	if got, want := s.Next(JobDeadline), at(2019, 3, 8, 10, 0).Add(3*time.Second); !got.Equal(want) {
		t.Errorf("Next = %v, want %v", got, want)
	}
	// A job ticking every 3 seconds on workdays only, asked on a Saturday.
	clk.Set(at(2019, 3, 9, 10, 0))
	s = newScheduler(t, newBolt(t), clk, Config{Deadline: "*/3 * * * * *", Report: "*/3 * * * * *", WorkdaysOnly: true})
	if got, want := s.Next(JobDeadline), at(2019, 3, 11, 0, 0); !got.Equal(want) {
		t.Errorf("Next over a weekend = %v, want %v", got, want)
	}
	if got, want := s.lastReport(at(2019, 3, 11, 0, 0)), at(2019, 3, 8, 23, 59).Add(57*time.Second); !got.Equal(want) {
		t.Errorf("lastReport over a weekend = %v, want %v", got, want)
	}
}

// Two schedulers sharing one store fire the same tick at once: one digest.
func TestClaimOnceBolt(t *testing.T) {
	st := newBolt(t)
	cfg := Config{Lagging: "30 9 * * 1-5"}
	a := newScheduler(t, st, nil, cfg)
	b := newScheduler(t, st, nil, cfg)
	testClaimOnce(t, st, a, b)
}

// The same across processes: two stores on one Redis.
func TestClaimOnceRedis(t *testing.T) {
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	ra, rb := openRedis(t, url, prefix), openRedis(t, url, prefix)
	cfg := Config{Lagging: "30 9 * * 1-5"}
	testClaimOnce(t, ra, newScheduler(t, ra, nil, cfg), newScheduler(t, rb, nil, cfg))
}

func openRedis(t *testing.T, url, prefix string) *redis.Store {
	t.Helper()
	st, err := redis.Open(context.Background(), url, redis.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	seed(t, st)
	return st
}

func testClaimOnce(t *testing.T, st backend, a, b *Scheduler) {
	t.Helper()
	ctx := context.Background()
	tick := at(2019, 3, 8, 9, 30)
	for round := range 5 {
		tick := tick.Add(time.Duration(round) * time.Minute)
		var wg sync.WaitGroup
		var n [2]int
		var errs [2]error
		for i, s := range []*Scheduler{a, b} {
			wg.Go(func() { n[i], errs[i] = s.fire(ctx, s.job(JobLagging), tick, false) })
		}
		wg.Wait()
		if errs[0] != nil || errs[1] != nil {
			t.Fatal(errs)
		}
		if n[0]+n[1] != 1 || n[0]*n[1] != 0 {
			t.Errorf("round %d: queued %v, want exactly one scheduler to queue 1", round, n)
		}
		// A late replica that catches up on the same tick finds the claim.
		if m, err := b.fire(ctx, b.job(JobLagging), tick, false); err != nil || m != 0 {
			t.Errorf("round %d: a second claim queued %d (%v)", round, m, err)
		}
	}
	msgs := queued(t, st)
	// Each tick supersedes the one before: only the last is pending.
	if len(msgs) != 1 || msgs[0].ID != fmt.Sprintf("lagging-%d", tick.Add(4*time.Minute).Unix()) {
		t.Errorf("outbox: %v", ids(msgs))
	}
}

func ids(msgs []store.OutMsg) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return out
}

// workdays_only skips a tick on a day off, runs on a make-up workday, and
// without it runs every day.
func TestWorkdaysOnly(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		tick     time.Time
		workdays bool
		want     int
	}{
		{"Spring Festival Tuesday", at(2019, 2, 5, 9, 30), true, 0},
		{"make-up Saturday", at(2019, 2, 2, 9, 30), true, 1},
		{"ordinary Sunday", at(2019, 3, 10, 9, 30), true, 0},
		{"Spring Festival, every day", at(2019, 2, 5, 9, 30), false, 1},
	} {
		st := newBolt(t)
		s := newScheduler(t, st, nil, Config{Lagging: "30 9 * * *", WorkdaysOnly: tc.workdays})
		s.tick(ctx, s.job(JobLagging), tc.tick)
		if got := len(queued(t, st)); got != tc.want {
			t.Errorf("%s: %d messages, want %d", tc.name, got, tc.want)
		}
		// A skipped tick is not claimed, so nothing remembers it.
		won, err := st.Claim(ctx, fmt.Sprintf("tick:lagging:%d", tc.tick.Unix()), time.Minute)
		if err != nil || won != (tc.want == 0) {
			t.Errorf("%s: claim after the tick: %v %v", tc.name, won, err)
		}
	}
}

// At start a job runs its last tick when it is within the catch-up window
// and nobody claimed it.
func TestCatchUp(t *testing.T) {
	ctx := context.Background()
	cfg := Config{Lagging: "30 9 * * 1-5", CatchUp: time.Hour}

	st := newBolt(t)
	// Down over 09:30, back at 10:15: the tick runs once.
	clk := newClock(at(2019, 3, 8, 10, 15))
	s := newScheduler(t, st, clk, cfg)
	s.catchUpJob(ctx, s.job(JobLagging), clk.Now())
	msgs := queued(t, st)
	if len(msgs) != 1 || msgs[0].ID != fmt.Sprintf("lagging-%d", at(2019, 3, 8, 9, 30).Unix()) {
		t.Fatalf("catch-up queued %v", ids(msgs))
	}
	// Another replica starting at 10:20 finds the claim.
	clk2 := newClock(at(2019, 3, 8, 10, 20))
	s2 := newScheduler(t, st, clk2, cfg)
	st.Done(ctx, msgs[0].ID)
	s2.catchUpJob(ctx, s2.job(JobLagging), clk2.Now())
	if got := queued(t, st); len(got) != 0 {
		t.Errorf("a claimed tick ran again: %v", ids(got))
	}

	// Back at 10:45, outside the hour: nothing.
	st = newBolt(t)
	clk = newClock(at(2019, 3, 8, 10, 45))
	s = newScheduler(t, st, clk, cfg)
	s.catchUpJob(ctx, s.job(JobLagging), clk.Now())
	if got := queued(t, st); len(got) != 0 {
		t.Errorf("a tick outside the window ran: %v", ids(got))
	}
	// Catch-up off.
	cfg.CatchUp = 0
	clk = newClock(at(2019, 3, 8, 9, 31))
	s = newScheduler(t, st, clk, cfg)
	s.catchUpJob(ctx, s.job(JobLagging), clk.Now())
	if got := queued(t, st); len(got) != 0 {
		t.Errorf("catch-up off, yet %v", ids(got))
	}
	// The last tick fell on a day off: skipped, not run late.
	st = newBolt(t)
	clk = newClock(at(2019, 3, 9, 9, 40)) // Saturday
	s = newScheduler(t, st, clk, Config{Lagging: "30 9 * * *", CatchUp: time.Hour, WorkdaysOnly: true})
	s.catchUpJob(ctx, s.job(JobLagging), clk.Now())
	if got := queued(t, st); len(got) != 0 {
		t.Errorf("a day-off tick was caught up: %v", ids(got))
	}
}

func TestPrevTime(t *testing.T) {
	for _, tc := range []struct {
		spec     string
		at, want time.Time
	}{
		{"30 9 * * 1-5", at(2019, 3, 8, 10, 15), at(2019, 3, 8, 9, 30)},
		{"30 9 * * 1-5", at(2019, 3, 8, 9, 30), at(2019, 3, 8, 9, 30)}, // at or before
		{"30 9 * * 1-5", at(2019, 3, 11, 9, 0), at(2019, 3, 8, 9, 30)}, // over a weekend
		{"0 17 * * 5", at(2019, 3, 8, 16, 59), at(2019, 3, 1, 17, 0)},
		{"*/3 * * * * *", at(2019, 3, 8, 9, 0).Add(7 * time.Second), at(2019, 3, 8, 9, 0).Add(6 * time.Second)},
		{"0 0 29 2 *", at(2019, 3, 8, 0, 0), at(2016, 2, 29, 0, 0)},
	} {
		sched, err := ParseSpec(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := prevTime(sched, tc.at.In(sh)); !got.Equal(tc.want) {
			t.Errorf("prevTime(%s, %v) = %v, want %v", tc.spec, tc.at, got, tc.want)
		}
	}
}

func TestRunJob(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 9, 11, 0)) // Saturday: manual runs ignore workdays_only
	s := newScheduler(t, st, clk, Config{Lagging: "30 9 * * 1-5", WorkdaysOnly: true})
	if err := s.RunJob(ctx, "催办"); err != nil {
		t.Fatal(err)
	}
	// Twice in the same second still gives two runs: manual runs do not
	// share a claim.
	clk.Add(time.Millisecond)
	if err := s.RunJob(ctx, "lagging"); err != nil {
		t.Fatal(err)
	}
	// The deadline job, off in the config, runs too.
	if err := s.RunJob(ctx, "deadline"); err != nil {
		t.Fatal(err)
	}
	msgs := queued(t, st)
	// The second lagging run superseded the first.
	if len(msgs) != 2 || !strings.HasPrefix(msgs[0].ID, "deadline-manual-") || !strings.HasPrefix(msgs[1].ID, "lagging-manual-") {
		t.Errorf("outbox: %v", ids(msgs))
	}
	var e *store.Error
	if err := s.RunJob(ctx, "nope"); !errors.As(err, &e) || e.Code != store.EInvalid || !strings.Contains(e.Message, "没有任务“nope”") {
		t.Errorf("unknown job: %v", err)
	}
}

// A store that fails builds nothing and releases the claim, so the tick can
// be retried.
func TestFireReleasesClaimOnError(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	m := newCountMetrics()
	failing := &failingQueue{err: errors.New("disk full")}
	cal, _ := defaultCal()
	s, err := New(Config{Lagging: "30 9 * * *", Registry: st, Claims: st, Outbox: failing, Calendar: cal, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	tick := at(2019, 3, 8, 9, 30)
	if _, err := s.fire(ctx, s.job(JobLagging), tick, false); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("fire = %v", err)
	}
	if m.storeErrs["outbox_enqueue"] != 1 {
		t.Errorf("metrics: %+v", m.storeErrs)
	}
	failing.err = nil
	failing.q = st
	if n, err := s.fire(ctx, s.job(JobLagging), tick, false); err != nil || n != 1 {
		t.Errorf("retry after release: %d, %v", n, err)
	}
}

type failingQueue struct {
	err error
	q   Queue
}

func (f *failingQueue) Enqueue(ctx context.Context, msgs ...store.OutMsg) error {
	if f.err != nil {
		return f.err
	}
	return f.q.Enqueue(ctx, msgs...)
}

// Run fires ticks on the real clock with a seconds spec and returns when
// its context ends.
func TestRun(t *testing.T) {
	st := newBolt(t)
	woken := make(chan struct{}, 10)
	cal, _ := defaultCal()
	s, err := New(Config{
		Lagging: "* * * * * *", Registry: st, Claims: st, Outbox: st, Calendar: cal,
		Notify: func() { woken <- struct{}{} },
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- s.Run(ctx) }()
	select {
	case <-woken:
	case <-time.After(10 * time.Second):
		t.Fatal("no tick within 10s of a per-second spec")
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	msgs := queued(t, st)
	if len(msgs) != 1 || msgs[0].Job != JobLagging || msgs[0].Tick.Nanosecond() != 0 {
		t.Errorf("outbox after Run: %+v", msgs)
	}
}

// A replica that restarts right after sending a tick finds the claim in
// Redis at start and does not send it again; one that was down over the
// tick sends it.
func TestCatchUpAfterRestartRedis(t *testing.T) {
	ctx := context.Background()
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	cfg := Config{Lagging: "30 9 * * 1-5", CatchUp: time.Hour}
	tick := at(2019, 3, 8, 9, 30)

	first := openRedis(t, url, prefix)
	s := newScheduler(t, first, newClock(tick), cfg)
	s.tick(ctx, s.job(JobLagging), tick)
	msgs := queued(t, first)
	if len(msgs) != 1 {
		t.Fatalf("tick queued %v", ids(msgs))
	}
	if err := first.Done(ctx, msgs[0].ID); err != nil {
		t.Fatal(err)
	}
	first.Close()

	restarted := openRedis(t, url, prefix)
	clk := newClock(tick.Add(10 * time.Minute))
	s = newScheduler(t, restarted, clk, cfg)
	s.catchUpJob(ctx, s.job(JobLagging), clk.Now())
	if got := queued(t, restarted); len(got) != 0 {
		t.Errorf("a restarted replica sent the tick again: %v", ids(got))
	}

	// The next day every replica was down at 09:30; the first back sends.
	clk.Set(at(2019, 3, 11, 9, 50))
	s.catchUpJob(ctx, s.job(JobLagging), clk.Now())
	if got := queued(t, restarted); len(got) != 1 || got[0].ID != fmt.Sprintf("lagging-%d", at(2019, 3, 11, 9, 30).Unix()) {
		t.Errorf("missed tick: %v", ids(got))
	}
}

// flakyClaims fails its first n claims, like a Redis that is away.
type flakyClaims struct {
	Claims
	mu sync.Mutex
	n  int
}

func (f *flakyClaims) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	f.mu.Lock()
	fail := f.n > 0
	f.n--
	f.mu.Unlock()
	if fail {
		return false, errors.New("connection refused")
	}
	return f.Claims.Claim(ctx, key, ttl)
}

// A tick whose claim fails is retried while it is fresh, and given up,
// counted as failed, once it is not.
func TestTickRetriesStoreErrors(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 8, 9, 30))
	m := newCountMetrics()
	claims := &flakyClaims{Claims: st, n: 3}
	cal, _ := defaultCal()
	s, err := New(Config{Lagging: "30 9 * * *", Registry: st, Claims: claims, Outbox: st, Calendar: cal, Now: clk.Now, Metrics: m, CatchUp: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	s.retryBase = time.Millisecond
	s.tick(ctx, s.job(JobLagging), clk.Now())
	if got := queued(t, st); len(got) != 1 || m.storeErrs["claim"] != 3 || m.failed[JobLagging] != 0 {
		t.Errorf("after 3 failed claims: %v, store errors %v, failed %v", ids(got), m.storeErrs, m.failed)
	}
	// Redis stays away; the tick is an hour and a minute old: given up.
	claims.n = 1 << 30
	clk.Set(at(2019, 3, 9, 10, 31))
	s.tick(ctx, s.job(JobLagging), at(2019, 3, 9, 9, 30))
	if m.failed[JobLagging] != 1 {
		t.Errorf("a stale tick must be given up and counted: %v", m.failed)
	}
}
