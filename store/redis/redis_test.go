package redis_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"xuexibot/internal/redistest"
	"xuexibot/store"
	"xuexibot/store/redis"
	"xuexibot/store/storetest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

var ctx = context.Background()

// openSingle opens a store on the shared single server, under a prefix of
// the test's own.
func openSingle(t testing.TB) *redis.Store {
	t.Helper()
	s, err := redis.Open(ctx, redistest.URL(t), redis.WithPrefix(redistest.Prefix(t)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openCluster opens a store on the shared 3-master cluster.
func openCluster(t testing.TB) *redis.Store {
	t.Helper()
	c := goredis.NewUniversalClient(&goredis.UniversalOptions{Addrs: redistest.Cluster(t)})
	s, err := redis.NewFromClient(ctx, c, redistest.Prefix(t))
	if err != nil {
		c.Close()
		t.Fatalf("NewFromClient: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformanceSingle(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend { return openSingle(t) })
}

func TestConformanceCluster(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend { return openCluster(t) })
}

// counter counts round trips: each command or pipeline sent is one.
type counter struct{ n atomic.Int64 }

func (c *counter) DialHook(next goredis.DialHook) goredis.DialHook { return next }
func (c *counter) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}
func (c *counter) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []goredis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

func TestExactLookupRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(testing.TB) *redis.Store
	}{{"single", openSingle}, {"cluster", openCluster}} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.open(t)
			sd, err := store.DefaultSeed()
			if err != nil {
				t.Fatal(err)
			}
			if ok, err := s.Seed(ctx, sd); err != nil || !ok {
				t.Fatalf("Seed = %v, %v", ok, err)
			}
			var c counter
			s.Client().AddHook(&c)
			// Cold: this process has never loaded the name index; the name
			// list rides along in the second round trip.
			for i, q := range []string{"湖南警察学院", "湖南工商大学", " 湖南大学 "} {
				before := c.n.Load()
				r, err := s.Resolve(ctx, q)
				if err != nil || r.Org == nil {
					t.Fatalf("Resolve(%q) = %+v, %v", q, r, err)
				}
				if n := c.n.Load() - before; n > 2 {
					t.Errorf("Resolve(%q) (call %d) took %d round trips; want at most 2", q, i+1, n)
				}
			}
			// After a rename by "another replica" the generation moves; an
			// exact lookup still takes at most 2.
			if _, err := s.Update(ctx, byName(t, sd, "湖南警察学院").ID, store.Meta{Actor: store.System}, func(o *store.Org) error {
				o.Aliases = append(o.Aliases, "警院")
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			before := c.n.Load()
			r, err := s.Resolve(ctx, "警院")
			if err != nil || r.Org == nil || r.Org.Name != "湖南警察学院" {
				t.Fatalf("Resolve(警院) = %+v, %v", r, err)
			}
			if n := c.n.Load() - before; n > 2 {
				t.Errorf("Resolve after a rename took %d round trips; want at most 2", n)
			}
		})
	}
}

func byName(t testing.TB, sd store.Seed, name string) store.Org {
	t.Helper()
	for _, o := range sd.Orgs {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("no org %s", name)
	return store.Org{}
}

// TestOutage stops Redis under an open store: calls fail with an
// unavailable error (not a hang), and work again once Redis is back.
func TestOutage(t *testing.T) {
	p := redistest.Start(t)
	s, err := redis.Open(ctx, p.URL())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	sd, _ := store.DefaultSeed()
	if _, err := s.Seed(ctx, sd); err != nil {
		t.Fatal(err)
	}
	p.Stop(t)
	// A generous outer deadline: the store's own timeouts must end the
	// call long before it; a hang would show as a deadline error.
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err = s.Org(dctx, sd.Orgs[5].ID)
	var se *store.Error
	if err == nil || !errors.As(err, &se) || se.Code != store.EUnavailable || dctx.Err() != nil {
		t.Fatalf("Org while Redis is down: err = %v; want an %s *store.Error before the outer deadline", err, store.EUnavailable)
	}
	if !strings.Contains(store.ErrorMessage(err), "稍后再试") {
		t.Errorf("message while down = %q; want a Chinese retry hint", store.ErrorMessage(err))
	}
	if _, err := s.Update(dctx, sd.Orgs[5].ID, store.Meta{}, func(o *store.Org) error { o.Members++; return nil }); store.ErrorCode(err) != store.EUnavailable {
		t.Errorf("Update while down: err = %v; want %s", err, store.EUnavailable)
	}
	p.Start(t)
	// The same store works again by itself (the restarted server is empty).
	var last error
	for range 50 {
		if last = s.Ping(ctx); last == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if last != nil {
		t.Fatalf("Ping after Redis returned: %v", last)
	}
	if ok, err := s.Seed(ctx, sd); err != nil || !ok {
		t.Fatalf("Seed after Redis returned = %v, %v", ok, err)
	}
	if o, err := s.Org(ctx, sd.Orgs[5].ID); err != nil || o.ID != sd.Orgs[5].ID {
		t.Errorf("Org after Redis returned = %+v, %v", o, err)
	}
}

func TestOpenFailsFast(t *testing.T) {
	p := redistest.Start(t)
	addr := p.URL()
	p.Stop(t)
	_, err := redis.Open(ctx, addr)
	if err == nil || store.ErrorCode(err) != store.EUnavailable {
		t.Fatalf("Open of a stopped server: err = %v; want %s", err, store.EUnavailable)
	}
	if _, err := redis.Open(ctx, "redis://:s3cret@127.0.0.1:1/0?bogus_option=1"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("Open with a bad URL: err = %v; want an error without the password", err)
	}
	if _, err := redis.Open(ctx, redistest.URL(t), redis.WithPrefix("a{b}")); err == nil {
		t.Error("Open with braces in the prefix succeeded")
	}
}

// TestSeedOnce starts two replicas on one registry at once: one seeds.
func TestSeedOnce(t *testing.T) {
	prefix := redistest.Prefix(t)
	sd, _ := store.DefaultSeed()
	var wg sync.WaitGroup
	var seeded atomic.Int32
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := redis.Open(ctx, redistest.URL(t), redis.WithPrefix(prefix))
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			ok, err := s.Seed(ctx, sd)
			if err != nil {
				t.Error(err)
			}
			if ok {
				seeded.Add(1)
			}
			if n, err := s.Count(ctx, store.IndexAll); err != nil || n != len(sd.Orgs) {
				t.Errorf("after Seed returned: Count(all) = %d, %v; want %d", n, err, len(sd.Orgs))
			}
		}()
	}
	wg.Wait()
	if seeded.Load() != 1 {
		t.Errorf("%d replicas seeded; want 1", seeded.Load())
	}
}

func TestPutNamesBadOrg(t *testing.T) {
	s := openSingle(t)
	err := s.Put(ctx, store.Meta{}, []store.Org{
		{ID: "1", Name: "甲学院", Level: store.LevelUniversity, Category: store.Undergraduate},
		{ID: "2", Name: "乙学院", Level: store.LevelUniversity, Category: "大专"},
	})
	if store.ErrorCode(err) != store.EInvalid || !strings.Contains(store.ErrorMessage(err), "乙学院") || strings.Contains(store.ErrorMessage(err), "甲学院") {
		t.Errorf("Put with a bad category: %v; want %s naming 乙学院 only", err, store.EInvalid)
	}
	if n, _ := s.Count(ctx, store.IndexAll); n != 0 {
		t.Errorf("a rejected Put wrote %d orgs", n)
	}
}

func BenchmarkStore(b *testing.B) {
	storetest.Bench(b, func(b *testing.B, n int) store.Backend {
		s := openSingle(b)
		sd, err := storetest.SyntheticSeed(n)
		if err != nil {
			b.Fatal(err)
		}
		if ok, err := s.Seed(ctx, sd); err != nil || !ok {
			b.Fatalf("Seed(%d) = %v, %v", n, ok, err)
		}
		return s
	})
}

// BenchmarkSeed measures seeding, per org: b.N orgs are seeded, into
// registries of at most 100,000 on a dedicated server flushed in between.
// -benchtime 100000x times one full seed of 100,000 orgs.
func BenchmarkSeed(b *testing.B) {
	p := redistest.Start(b)
	for left := b.N; left > 0; {
		n := min(left, 100000)
		left -= n
		b.StopTimer()
		sd, err := storetest.SyntheticSeed(n)
		if err != nil {
			b.Fatal(err)
		}
		s, err := redis.Open(ctx, p.URL())
		if err != nil {
			b.Fatal(err)
		}
		if err := s.Client().FlushAll(ctx).Err(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if ok, err := s.Seed(ctx, sd); err != nil || !ok {
			b.Fatalf("Seed = %v, %v", ok, err)
		}
		b.StopTimer()
		s.Close()
	}
}

// TestOpenClusterURL opens a Cluster from a URL, as config gives it.
func TestOpenClusterURL(t *testing.T) {
	a := redistest.Cluster(t)
	s, err := redis.Open(ctx, "redis://"+a[0]+"?addr="+a[1]+"&addr="+a[2], redis.WithPrefix(redistest.Prefix(t)))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, ok := s.Client().(*goredis.ClusterClient); !ok {
		t.Fatalf("Open of a URL with addr= made a %T; want a cluster client", s.Client())
	}
	sd, _ := store.DefaultSeed()
	if ok, err := s.Seed(ctx, sd); err != nil || !ok {
		t.Fatalf("Seed = %v, %v", ok, err)
	}
	if r, err := s.Resolve(ctx, "湖南警察学院"); err != nil || r.Org == nil {
		t.Errorf("Resolve = %+v, %v", r, err)
	}
}
