package dingtalk_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"xuexibot/bot"
	"xuexibot/bot/dingtalk"
	"xuexibot/bot/dingtalk/dingtalktest"
	"xuexibot/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

// redisClaims claims message ids in a real Redis with SET NX, as the Redis
// store does; the store packages are written alongside this one.
type redisClaims struct {
	c      *redis.Client
	prefix string
}

func (r redisClaims) Claim(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	return r.c.SetNX(ctx, r.prefix+":"+key, "1", ttl).Result()
}

func (r redisClaims) Release(ctx context.Context, key string) error {
	return r.c.Del(ctx, r.prefix+":"+key).Err()
}

func newClaims(t *testing.T) redisClaims {
	c := redis.NewClient(&redis.Options{Addr: redistest.Server(t)})
	t.Cleanup(func() { c.Close() })
	return redisClaims{c: c, prefix: redistest.Prefix(t)}
}

// echoHandler answers "echo <text>".
var echoHandler = bot.HandlerFunc(func(_ context.Context, m bot.Message) bot.Reply {
	return bot.Reply{Markdown: "echo " + m.Text}
})

type testMetrics struct {
	reconnected, received, dedup, replies atomic.Int64
}

func (m *testMetrics) Reconnected()                { m.reconnected.Add(1) }
func (m *testMetrics) MessageReceived()            { m.received.Add(1) }
func (m *testMetrics) MessageDeduplicated()        { m.dedup.Add(1) }
func (m *testMetrics) ReplyObserved(time.Duration) { m.replies.Add(1) }

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

const admin = "admin-1"

// harness is a bot (Dispatcher + Stream + Client) connected to a fake.
type harness struct {
	fake    *dingtalktest.Server
	client  *dingtalk.Client
	stream  *dingtalk.Stream
	disp    *bot.Dispatcher
	metrics *testMetrics
	logs    *syncBuffer
	stop    func() // cancels Run and waits for it; idempotent
}

func config(f *dingtalktest.Server) dingtalk.Config {
	return dingtalk.Config{
		ClientID:      f.ClientID,
		ClientSecret:  f.ClientSecret,
		RobotCode:     f.RobotCode,
		GroupID:       f.GroupID,
		APIHost:       f.URL,
		WebhookURL:    f.WebhookURL(),
		WebhookSecret: f.WebhookSecret,
		Admins:        []string{admin},
	}
}

func options(logs *syncBuffer, met *testMetrics) dingtalk.Options {
	return dingtalk.Options{
		Logger:    slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Metrics:   met,
		GroupRate: 1000, // pacing has its own test; here it would only slow things
		Backoff:   50 * time.Millisecond,
	}
}

// start runs a bot with h on a fresh fake; edit may change the config and
// options first.
func start(t *testing.T, h bot.Handler, edit func(*dingtalk.Config, *dingtalk.Options)) *harness {
	t.Helper()
	return startOn(t, dingtalktest.NewServer(t), h, edit)
}

// startOn is start on a given fake.
func startOn(t *testing.T, f *dingtalktest.Server, h bot.Handler, edit func(*dingtalk.Config, *dingtalk.Options)) *harness {
	t.Helper()
	hs := &harness{fake: f, metrics: &testMetrics{}, logs: &syncBuffer{}}
	cfg, opt := config(f), options(hs.logs, hs.metrics)
	if edit != nil {
		edit(&cfg, &opt)
	}
	var err error
	if hs.client, err = dingtalk.NewClient(cfg, opt); err != nil {
		t.Fatal(err)
	}
	hs.disp = bot.NewDispatcher(h, newClaims(t), bot.Options{Metrics: hs.metrics, Logger: opt.Logger})
	if hs.stream, err = dingtalk.NewStream(cfg, hs.client, hs.disp, opt); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- hs.stream.Run(ctx) }()
	var once sync.Once
	hs.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("Run: %v", err)
			}
			sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer scancel()
			if err := hs.disp.Shutdown(sctx); err != nil {
				t.Errorf("dispatcher shutdown: %v", err)
			}
			for _, secret := range []string{f.ClientSecret, f.WebhookSecret, f.WebhookToken} {
				if strings.Contains(hs.logs.String(), secret) {
					t.Errorf("a secret reached the logs: %q", secret)
				}
			}
		})
	}
	t.Cleanup(hs.stop)
	return hs
}

// waitFor polls cond for up to d.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
