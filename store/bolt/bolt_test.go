package bolt_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/store"
	"xuexibot/store/bolt"
	"xuexibot/store/storetest"
)

func open(t testing.TB, path string) *bolt.Store {
	t.Helper()
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		return open(t, filepath.Join(t.TempDir(), "xuexibot.db"))
	})
}

func BenchmarkBackend(b *testing.B) {
	storetest.Bench(b, func(b *testing.B, n int) store.Backend {
		seed, err := storetest.SyntheticSeed(n)
		if err != nil {
			b.Fatal(err)
		}
		s := open(b, filepath.Join(b.TempDir(), "xuexibot.db"))
		start := time.Now()
		if ok, err := s.Seed(context.Background(), seed); err != nil || !ok {
			b.Fatalf("Seed = %v, %v", ok, err)
		}
		b.Logf("seeded %d orgs in %v", len(seed.Orgs), time.Since(start))
		return s
	})
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "xuexibot.db")
	open(t, path)
	// bbolt's flock is per open file, so a second Open in this process meets
	// the lock just as another process would.
	start := time.Now()
	s, err := bolt.Open(path, bolt.WithLockTimeout(200*time.Millisecond))
	if err == nil {
		s.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if !strings.Contains(err.Error(), "locked by another process") || !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not say the file %s is locked", err, path)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("Open waited %v; want it to give up after the lock timeout", time.Since(start))
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "xuexibot.db")
	seed, err := store.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Seed(ctx, seed); err != nil || !ok {
		t.Fatalf("Seed = %v, %v", ok, err)
	}
	id := seed.Orgs[5].ID
	if _, err := s.Update(ctx, id, store.Meta{Actor: store.System, Command: "test"}, func(o *store.Org) error {
		o.Members = 4321
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want, _ := s.Counters(ctx)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, path)
	if ok, err := s.Seed(ctx, seed); err != nil || ok {
		t.Errorf("Seed after reopen = %v, %v; want false (the data stays)", ok, err)
	}
	if o, err := s.Org(ctx, id); err != nil || o.Members != 4321 {
		t.Errorf("after reopen Org = %+v, %v; want members 4321", o, err)
	}
	if got, err := s.Counters(ctx); err != nil || !got.Equal(want) {
		t.Errorf("after reopen Counters differ by %v (%v)", got.Sub(want), err)
	}
	if h, _, err := s.History(ctx, id, "", 10); err != nil || len(h) != 1 {
		t.Errorf("after reopen History = %+v, %v; want 1 change", h, err)
	}
	if r, err := s.Resolve(ctx, seed.Orgs[5].Name); err != nil || r.Org == nil || r.Org.ID != id {
		t.Errorf("after reopen Resolve(%s) = %+v, %v", seed.Orgs[5].Name, r, err)
	}
}

// clock is a settable clock for claims.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestClaimExpiresOnTheInjectedClock(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2019, 3, 8, 9, 0, 0, 0, time.UTC)}
	s, err := bolt.Open(filepath.Join(t.TempDir(), "x.db"), bolt.WithNow(c.now))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ok, _ := s.Claim(ctx, "tick:daily:1", time.Hour); !ok {
		t.Fatal("first Claim lost")
	}
	c.add(59 * time.Minute)
	if ok, _ := s.Claim(ctx, "tick:daily:1", time.Hour); ok {
		t.Error("Claim won before the ttl passed")
	}
	c.add(time.Minute)
	if ok, _ := s.Claim(ctx, "tick:daily:1", time.Hour); !ok {
		t.Error("Claim lost after the ttl passed")
	}
	// Changes are stamped by the injected clock.
	if err := s.Refuse(ctx, store.Change{Actor: store.System, Command: "x", Reason: "y"}); err != nil {
		t.Fatal(err)
	}
	ch, err := s.Changes(ctx, c.now(), 0)
	if err != nil || len(ch) != 1 || !ch[0].At.Equal(c.now()) {
		t.Errorf("Changes(now) = %+v, %v; want the refusal stamped %v", ch, err, c.now())
	}
}

func TestPutInvalidMessage(t *testing.T) {
	s := open(t, filepath.Join(t.TempDir(), "x.db"))
	err := s.Put(context.Background(), store.Meta{}, []store.Org{
		{ID: "1", Name: "甲学院", Level: store.LevelUniversity, Category: store.Undergraduate},
		{ID: "2", Name: "乙学院", Level: store.LevelUniversity, Category: "中专"},
	})
	if got := store.ErrorMessage(err); !strings.Contains(got, "第2个") || !strings.Contains(got, "乙学院") || !strings.Contains(got, "中专") {
		t.Errorf("message %q does not name the row, the school and the bad category", got)
	}
}

// A reminder tick claimed before a restart must not be claimable after it,
// or the catch-up at start would send it again.
func TestClaimSurvivesReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	s, err := bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.Claim(ctx, "tick:lagging:1552181400", time.Hour); !ok || err != nil {
		t.Fatalf("first Claim = %v, %v", ok, err)
	}
	if ok, _ := s.Claim(ctx, "msg:released", time.Hour); !ok {
		t.Fatal("Claim msg:released lost")
	}
	if err := s.Release(ctx, "msg:released"); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = bolt.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ok, _ := s.Claim(ctx, "tick:lagging:1552181400", time.Hour); ok {
		t.Error("a claim made before the restart was won again after it")
	}
	if ok, _ := s.Claim(ctx, "msg:released", time.Hour); !ok {
		t.Error("a released claim could not be claimed after the restart")
	}
}

// Milestones are cached decoded; a SetMilestone must be seen at once, and a
// caller changing what it got must not change the cache.
func TestMilestonesCacheFollowsWrites(t *testing.T) {
	ctx := context.Background()
	s := open(t, filepath.Join(t.TempDir(), "x.db"))
	seed, err := store.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
	ms, err := s.Milestones(ctx) // warm the cache
	if err != nil || len(ms) != 2 {
		t.Fatalf("Milestones = %v, %v", ms, err)
	}
	ms[0].Title = "changed by a caller"
	due := time.Date(2019, 3, 31, 23, 59, 59, 0, store.Shanghai())
	if err := s.SetMilestone(ctx, store.Meta{Actor: store.System}, store.Milestone{ID: store.MilestoneCertify, Due: due}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Milestones(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !got[1].Due.Equal(due) {
		t.Errorf("after SetMilestone the cached due is %v, want %v", got[1].Due, due)
	}
	if got[0].Title == "changed by a caller" {
		t.Error("a caller's change reached the cache")
	}
}
