package bot_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"xuexibot/bot"
	"xuexibot/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// replies collects what ReplyFuncs were given, per message id.
type replies struct {
	mu   sync.Mutex
	got  map[string][]bot.Reply
	cond chan struct{} // closed and replaced on every reply
}

func newReplies() *replies {
	return &replies{got: map[string][]bot.Reply{}, cond: make(chan struct{})}
}

func (r *replies) to(id string) bot.ReplyFunc {
	return func(_ context.Context, rep bot.Reply) error {
		r.mu.Lock()
		r.got[id] = append(r.got[id], rep)
		close(r.cond)
		r.cond = make(chan struct{})
		r.mu.Unlock()
		return nil
	}
}

func (r *replies) of(id string) []bot.Reply {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Reply(nil), r.got[id]...)
}

// waitTotal waits until n replies in all have arrived.
func (r *replies) waitTotal(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		r.mu.Lock()
		total := 0
		for _, v := range r.got {
			total += len(v)
		}
		c := r.cond
		r.mu.Unlock()
		if total >= n {
			return
		}
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("got %d replies, want %d", total, n)
		}
	}
}

type counters struct {
	received, dedup, observed atomic.Int64
}

func (c *counters) MessageReceived()                  { c.received.Add(1) }
func (c *counters) MessageDeduplicated()              { c.dedup.Add(1) }
func (c *counters) ReplyObserved(d time.Duration)     { c.observed.Add(1) }
func echo(_ context.Context, m bot.Message) bot.Reply { return bot.Reply{Markdown: "echo " + m.Text} }

func shutdown(t *testing.T, d *bot.Dispatcher) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func msg(id, text string) bot.Message {
	return bot.Message{ID: id, Conversation: "cid", Type: bot.Group, Text: text, Sender: bot.User{ID: "u1"}}
}

func TestDispatcherAnswersOnceAndHintsEmpty(t *testing.T) {
	var met counters
	d := bot.NewDispatcher(bot.HandlerFunc(echo), bot.NewMemoryClaims(), bot.Options{Metrics: &met})
	r := newReplies()
	ctx := context.Background()
	for _, m := range []bot.Message{msg("a", "/状态"), msg("a", "/状态"), msg("b", ""), msg("a", "/状态")} {
		if err := d.Submit(ctx, m, r.to(m.ID)); err != nil {
			t.Fatal(err)
		}
	}
	shutdown(t, d)
	if got := r.of("a"); len(got) != 1 || got[0].Markdown != "echo /状态" {
		t.Errorf("replies to a = %+v, want one echo", got)
	}
	if got := r.of("b"); len(got) != 1 || got[0].Markdown != bot.TextNoText {
		t.Errorf("replies to empty message = %+v, want the hint", got)
	}
	if met.received.Load() != 4 || met.dedup.Load() != 2 || met.observed.Load() != 2 {
		t.Errorf("metrics received=%d dedup=%d observed=%d, want 4 2 2",
			met.received.Load(), met.dedup.Load(), met.observed.Load())
	}
}

func TestDispatcherZeroReplySaysNothing(t *testing.T) {
	d := bot.NewDispatcher(bot.HandlerFunc(func(context.Context, bot.Message) bot.Reply { return bot.Reply{} }), nil, bot.Options{})
	r := newReplies()
	if err := d.Submit(context.Background(), msg("z", "hi"), r.to("z")); err != nil {
		t.Fatal(err)
	}
	shutdown(t, d)
	if got := r.of("z"); len(got) != 0 {
		t.Errorf("zero reply was sent: %+v", got)
	}
}

func TestDispatcherPanicsBecomeErrorReplies(t *testing.T) {
	h := bot.HandlerFunc(func(_ context.Context, m bot.Message) bot.Reply {
		if m.Text == "boom" {
			panic("handler bug")
		}
		return bot.Reply{Markdown: "ok"}
	})
	claims := bot.NewMemoryClaims()
	d := bot.NewDispatcher(h, claims, bot.Options{})
	r := newReplies()
	ctx := context.Background()
	if err := d.Submit(ctx, msg("p", "boom"), r.to("p")); err != nil {
		t.Fatal(err)
	}
	// A ReplyFunc that panics: the claim must be released, so the
	// redelivery of the same id is answered.
	if err := d.Submit(ctx, msg("q", "hi"), func(context.Context, bot.Reply) error { panic("adapter bug") }); err != nil {
		t.Fatal(err)
	}
	r.waitTotal(t, 1)
	waitUntil(t, func() bool {
		ok, _ := claims.Claim(ctx, "msg:q", time.Minute)
		if ok {
			_ = claims.Release(ctx, "msg:q")
		}
		return ok
	})
	if err := d.Submit(ctx, msg("q", "hi"), r.to("q")); err != nil {
		t.Fatal(err)
	}
	shutdown(t, d)
	if got := r.of("p"); len(got) != 1 || got[0].Markdown != bot.TextInternal {
		t.Errorf("replies to a panicking handler = %+v, want %q", got, bot.TextInternal)
	}
	if got := r.of("q"); len(got) != 1 || got[0].Markdown != "ok" {
		t.Errorf("redelivery after a panicking reply func = %+v, want one ok", got)
	}
}

func TestDispatcherReleasesClaimWhenReplyFails(t *testing.T) {
	claims := bot.NewMemoryClaims()
	d := bot.NewDispatcher(bot.HandlerFunc(echo), claims, bot.Options{})
	r := newReplies()
	ctx := context.Background()
	failed := make(chan struct{})
	fail := func(context.Context, bot.Reply) error { close(failed); return errors.New("network down") }
	if err := d.Submit(ctx, msg("r", "hi"), fail); err != nil {
		t.Fatal(err)
	}
	<-failed
	// Wait for the release to land: a claim on the key succeeds only then.
	waitUntil(t, func() bool {
		ok, _ := claims.Claim(ctx, "msg:r", time.Minute)
		if ok {
			_ = claims.Release(ctx, "msg:r")
		}
		return ok
	})
	if err := d.Submit(ctx, msg("r", "hi"), r.to("r")); err != nil {
		t.Fatal(err)
	}
	// A partial reply keeps the claim: the redelivery is not answered.
	partial := func(context.Context, bot.Reply) error { return fmt.Errorf("chunk 2: %w", bot.ErrPartialReply) }
	if err := d.Submit(ctx, msg("s", "hi"), partial); err != nil {
		t.Fatal(err)
	}
	shutdown(t, d)
	if got := r.of("r"); len(got) != 1 {
		t.Errorf("redelivery after a failed reply got %d replies, want 1", len(got))
	}
	if ok, _ := claims.Claim(ctx, "msg:s", time.Minute); ok {
		t.Error("claim released after a partial reply")
	}
}

func TestDispatcherBackPressure(t *testing.T) {
	release := make(chan struct{})
	h := bot.HandlerFunc(func(context.Context, bot.Message) bot.Reply { <-release; return bot.Reply{Markdown: "ok"} })
	d := bot.NewDispatcher(h, nil, bot.Options{Workers: 1, Queue: 1})
	r := newReplies()
	ctx := context.Background()
	// One running, one queued: the third waits, and gives up with its ctx.
	for _, id := range []string{"1", "2"} {
		if err := d.Submit(ctx, msg(id, "x"), r.to(id)); err != nil {
			t.Fatal(err)
		}
	}
	waitUntil(t, func() bool {
		short, cancel := context.WithTimeout(ctx, 10*time.Millisecond)
		defer cancel()
		err := d.Submit(short, msg("3", "x"), r.to("3"))
		if err == nil {
			t.Fatal("submit into a full queue returned at once")
		}
		return errors.Is(err, context.DeadlineExceeded)
	})
	// A waiting Submit goes through once there is room; nothing is dropped.
	done := make(chan error, 1)
	go func() { done <- d.Submit(ctx, msg("4", "x"), r.to("4")) }()
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	shutdown(t, d)
	for _, id := range []string{"1", "2", "4"} {
		if len(r.of(id)) != 1 {
			t.Errorf("message %s not answered", id)
		}
	}
}

func TestDispatcherShutdown(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 10)
	h := bot.HandlerFunc(func(ctx context.Context, m bot.Message) bot.Reply {
		started <- struct{}{}
		select {
		case <-release:
		case <-ctx.Done():
		}
		return bot.Reply{Markdown: "ok"}
	})
	d := bot.NewDispatcher(h, nil, bot.Options{Workers: 2, Queue: 8})
	r := newReplies()
	ctx := context.Background()
	for i := range 5 {
		id := fmt.Sprint(i)
		if err := d.Submit(ctx, msg(id, "x"), r.to(id)); err != nil {
			t.Fatal(err)
		}
	}
	<-started
	stopped := make(chan error, 1)
	go func() {
		sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		stopped <- d.Shutdown(sctx)
	}()
	waitUntil(t, func() bool { return errors.Is(d.Submit(ctx, msg("late", "x"), r.to("late")), bot.ErrClosed) })
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if len(r.of(fmt.Sprint(i))) != 1 {
			t.Errorf("accepted message %d not answered before Shutdown returned", i)
		}
	}

	// A Shutdown whose ctx ends first cancels the handlers still running.
	d = bot.NewDispatcher(bot.HandlerFunc(func(ctx context.Context, m bot.Message) bot.Reply {
		<-ctx.Done()
		return bot.Reply{}
	}), nil, bot.Options{})
	if err := d.Submit(ctx, msg("stuck", "x"), r.to("stuck")); err != nil {
		t.Fatal(err)
	}
	expired, cancel := context.WithCancel(ctx)
	cancel()
	if err := d.Shutdown(expired); !errors.Is(err, context.Canceled) {
		t.Errorf("Shutdown with a done ctx = %v, want context.Canceled", err)
	}
	shutdown(t, d) // the cancelled handler lets a second Shutdown finish
}

func TestMemoryClaimsExpire(t *testing.T) {
	now := time.Date(2019, 3, 7, 9, 0, 0, 0, time.UTC)
	c := bot.NewMemoryClaims()
	c.Now = func() time.Time { return now }
	ctx := context.Background()
	for i, want := range []bool{true, false} {
		if ok, _ := c.Claim(ctx, "msg:1", 10*time.Minute); ok != want {
			t.Fatalf("claim %d = %v, want %v", i, ok, want)
		}
	}
	now = now.Add(10 * time.Minute)
	if ok, _ := c.Claim(ctx, "msg:1", 10*time.Minute); !ok {
		t.Error("claim not free after its ttl")
	}
}

// redisClaims is the Redis claim the store uses (SET NX PX / DEL), so the
// store-down path runs against a Redis that really went away.
type redisClaims struct{ c *redis.Client }

func (r redisClaims) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return r.c.SetNX(ctx, key, "1", ttl).Result()
}

func (r redisClaims) Release(ctx context.Context, key string) error {
	return r.c.Del(ctx, key).Err()
}

func TestDispatcherStoreDown(t *testing.T) {
	p := redistest.Start(t)
	rc := redis.NewClient(&redis.Options{Addr: p.Addr(), MaxRetries: -1, DialTimeout: 500 * time.Millisecond})
	defer rc.Close()
	d := bot.NewDispatcher(bot.HandlerFunc(echo), redisClaims{rc}, bot.Options{ClaimTimeout: time.Second})
	defer shutdown(t, d)
	r := newReplies()
	ctx := context.Background()

	p.Stop(t)
	if err := d.Submit(ctx, msg("down", "/状态"), r.to("down")); err != nil {
		t.Fatal(err)
	}
	r.waitTotal(t, 1)
	if got := r.of("down"); got[0].Markdown != bot.TextStoreDown {
		t.Errorf("reply while Redis is down = %q, want %q", got[0].Markdown, bot.TextStoreDown)
	}

	p.Start(t)
	waitUntil(t, func() bool { return rc.Ping(ctx).Err() == nil })
	if err := d.Submit(ctx, msg("up", "/状态"), r.to("up")); err != nil {
		t.Fatal(err)
	}
	r.waitTotal(t, 2)
	if got := r.of("up"); got[0].Markdown != "echo /状态" {
		t.Errorf("reply after Redis returned = %q", got[0].Markdown)
	}
}

// waitUntil polls cond for up to 10 s.
func waitUntil(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
