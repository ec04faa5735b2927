package main

// End-to-end tests of `xuexibot run` (issue 4): the real run, as main calls
// it, against the loopback DingTalk fake and a real Redis. A cancelled
// context is SIGTERM. The reminder tests (issue 5) are in
// e2e_remind_test.go, the push→reply benchmark in bench_test.go.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/bot"
	"xuexibot/bot/dingtalk/dingtalktest"
	"xuexibot/internal/redistest"
	"xuexibot/store"
	storeredis "xuexibot/store/redis"
)

// envChild makes the test binary run as xuexibot itself (main with the
// arguments `run -config $XUEXIBOT_E2E_CHILD`), so that a test can SIGKILL a
// real process without building the binary.
const envChild = "XUEXIBOT_E2E_CHILD"

func TestMain(m *testing.M) {
	if cfg := os.Getenv(envChild); cfg != "" {
		os.Args = []string{"xuexibot", "run", "-config", cfg}
		main() // exits non-zero by itself on an error
		os.Exit(0)
	}
	redistest.Main(m)
}

// Senders of the pushed messages; both are admins.
const (
	adminID   = "admin1"
	adminNick = "张老师"
	otherID   = "admin2"
)

// syncBuffer collects a replica's log; run writes it from many goroutines.
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

// botConfig is what differs between the tests' configuration files.
type botConfig struct {
	redisURL  string // "" for the embedded store in the test's directory
	prefix    string
	reminders string // YAML lines under reminders:; every job off when ""
	secret    string // client_secret; the fake's when ""
}

// writeBotConfig writes a config file for `run` against f and returns its path.
func writeBotConfig(t testing.TB, f *dingtalktest.Server, c botConfig) string {
	t.Helper()
	dir := t.TempDir()
	if c.secret == "" {
		c.secret = f.ClientSecret
	}
	if c.reminders == "" {
		c.reminders = "  deadline: \"\"\n  lagging: \"\"\n  report: \"\"\n"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "timezone: Asia/Shanghai\nadmins: [%q, %q]\n", adminID, otherID)
	fmt.Fprintf(&b, "dingtalk:\n  client_id: %q\n  client_secret: %q\n  robot_code: %q\n  group_id: %q\n  api_host: %q\n  webhook_url: %q\n  webhook_secret: %q\n",
		f.ClientID, c.secret, f.RobotCode, f.GroupID, f.URL, f.WebhookURL(), f.WebhookSecret)
	if c.redisURL != "" {
		fmt.Fprintf(&b, "store:\n  redis_url: %q\n  prefix: %q\n", c.redisURL, c.prefix)
	} else {
		fmt.Fprintf(&b, "store:\n  path: %q\n", filepath.Join(dir, "xuexibot.db"))
	}
	b.WriteString("reminders:\n" + c.reminders)
	b.WriteString("http:\n  listen: \"\"\nlog:\n  level: info\n")
	path := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// redisConfig is a configuration on the shared Redis with a prefix of the test's own.
func redisConfig(t testing.TB) botConfig {
	return botConfig{redisURL: "redis://" + redistest.Server(t) + "/0", prefix: redistest.Prefix(t)}
}

// replica is one `xuexibot run` in a goroutine.
type replica struct {
	name   string
	cancel context.CancelFunc
	done   chan struct{}
	err    error // run's result, once done is closed
	log    *syncBuffer
	once   sync.Once
}

// startBot runs `run -config cfg` until the test ends or stop is called.
// The replica's log is printed when the test fails.
func startBot(t testing.TB, name, cfg string) *replica {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &replica{name: name, cancel: cancel, done: make(chan struct{}), log: &syncBuffer{}}
	go func() {
		defer close(r.done)
		r.err = run(ctx, []string{"run", "-config", cfg}, strings.NewReader(""), io.Discard, r.log)
	}()
	t.Cleanup(func() {
		if err := r.stop(); err != nil {
			t.Errorf("%s: run returned %v", name, err)
		}
		if t.Failed() {
			t.Logf("log of %s:\n%s", name, r.log)
		}
	})
	return r
}

// stop is SIGTERM: it cancels run's context and waits for run to return.
func (r *replica) stop() error {
	r.once.Do(func() {
		r.cancel()
		select {
		case <-r.done:
		case <-time.After(shutdownGrace + 10*time.Second):
			r.err = fmt.Errorf("%s: run did not return within %v of SIGTERM", r.name, shutdownGrace+10*time.Second)
		}
	})
	return r.err
}

func (r *replica) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// waitConnected waits until n clients are connected to f, failing early
// when a replica's run has returned (a bad configuration, say).
func waitConnected(t testing.TB, f *dingtalktest.Server, n int, rs ...*replica) {
	t.Helper()
	failed := func() *replica {
		for _, r := range rs {
			if r.exited() {
				return r
			}
		}
		return nil
	}
	ok := f.WaitFor(30*time.Second, func() bool { return f.Connections() >= n || failed() != nil })
	if r := failed(); r != nil {
		t.Fatalf("%s: run returned before connecting: %v\n%s", r.name, r.err, r.log)
	}
	if !ok {
		t.Fatalf("%d clients connected within 30 s, want %d", f.Connections(), n)
	}
}

// ask pushes a group message from the admin and waits for its reply.
func ask(t testing.TB, f *dingtalktest.Server, text string) (string, dingtalktest.Sent) {
	t.Helper()
	id := f.Push(dingtalktest.Msg{SenderID: adminID, SenderNick: adminNick, Text: " " + text})
	rs := f.WaitReplies(id, 1, 15*time.Second)
	if len(rs) == 0 {
		t.Fatalf("%s: no reply within 15 s", text)
	}
	return id, rs[0]
}

// acked reports whether some delivery of msgID was ACKed with 200.
func acked(f *dingtalktest.Server, msgID string) bool {
	for _, a := range f.Acks(msgID) {
		if a.Code == 200 {
			return true
		}
	}
	return false
}

// waitAcks waits until msgID has n ACKs and checks they all say 200.
func waitAcks(t testing.TB, f *dingtalktest.Server, msgID string, n int) {
	t.Helper()
	f.WaitFor(10*time.Second, func() bool { return len(f.Acks(msgID)) >= n })
	as := f.Acks(msgID)
	if len(as) != n {
		t.Errorf("%s: %d ACKs, want %d", msgID, len(as), n)
	}
	for _, a := range as {
		if a.Code != 200 {
			t.Errorf("%s: ACK %+v, want code 200", msgID, a)
		}
	}
}

// settle pushes a /help from the admin and waits for its answer: the bot
// has then handled what it took before, give or take its worker pool, and
// a short quiet wait after it shows whether anything more arrives.
func settle(t testing.TB, f *dingtalktest.Server) {
	t.Helper()
	ask(t, f, "/help")
	before := len(f.Sent())
	f.WaitFor(500*time.Millisecond, func() bool { return len(f.Sent()) > before })
}

// schoolNames returns the names of the seed's universities.
func schoolNames(t testing.TB) []string {
	t.Helper()
	seed, err := store.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range seed.Orgs {
		if o.Category != "" {
			names = append(names, o.Name)
		}
	}
	if len(names) < 100 {
		t.Fatalf("seed has %d universities", len(names))
	}
	return names
}

// TestE2EMessages: every kind of frame is ACKed and answered once, on the
// embedded store and on Redis; a redelivered msgId is not answered again;
// /done through DingTalk shows in /history with the sender's nick.
func TestE2EMessages(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"embedded", "redis"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			f := dingtalktest.NewServer(t)
			c := botConfig{}
			if kind == "redis" {
				c = redisConfig(t)
			}
			r := startBot(t, kind, writeBotConfig(t, f, c))
			waitConnected(t, f, 1, r)

			msgs := []struct {
				m    dingtalktest.Msg
				want []string
			}{
				{dingtalktest.Msg{SenderID: adminID, SenderNick: adminNick, Text: " /status 湖南警察学院"}, []string{"湖南警察学院", "完成上下级认证", "@" + adminID}},
				{dingtalktest.Msg{SenderID: "user9", SenderNick: "路人", Text: " /状态 湖南警察学院"}, []string{"湖南警察学院", "@user9"}},
				{dingtalktest.Msg{SenderID: adminID, Text: " /nosuchcommand"}, []string{"没有命令", "/帮助"}},
				{dingtalktest.Msg{SenderID: adminID, MsgType: "picture", NoText: true}, []string{bot.TextNoText}},
				{dingtalktest.Msg{SenderID: adminID, NoText: true, ErrorMessage: "20001"}, []string{bot.TextNoText}},
				{dingtalktest.Msg{SenderID: adminID, Conversation: "cid-other-group", Text: " /status 湖南警察学院"}, []string{"只在湖南省高校"}},
				{dingtalktest.Msg{SenderID: otherID, Type: "1", Conversation: "cid-1on1", Text: "/status 湖南警察学院"}, []string{"湖南警察学院"}},
				{dingtalktest.Msg{SenderID: "user9", Type: "1", Conversation: "cid-1on1-b", Text: "/status 湖南警察学院"}, []string{"单聊仅对管理员开放"}},
			}
			ids := make([]string, len(msgs))
			for i, m := range msgs {
				ids[i] = f.Push(m.m)
			}
			for i, m := range msgs {
				rs := f.WaitReplies(ids[i], 1, 15*time.Second)
				if len(rs) == 0 {
					t.Errorf("%q: no reply", m.m.Text)
					continue
				}
				mustContain(t, fmt.Sprintf("reply to %q", m.m.Text), rs[0].Text, m.want...)
				waitAcks(t, f, ids[i], 1)
			}

			// Redelivery, as DingTalk does after a late ACK: ACKed again,
			// answered never again.
			for _, id := range ids[:2] {
				f.Redeliver(id)
				waitAcks(t, f, id, 2)
			}
			settle(t, f)
			for i, id := range ids {
				if n := len(f.Replies(id)); n != 1 {
					t.Errorf("%q: %d replies, want exactly 1", msgs[i].m.Text, n)
				}
			}

			// /done through DingTalk, by the admin with a nick, then /history.
			_, done := ask(t, f, "/done 湖南警察学院 认证")
			mustContain(t, "/done", done.Text, "湖南警察学院", "完成上下级认证")
			_, hist := ask(t, f, "/history 湖南警察学院")
			mustContain(t, "/history", hist.Text, adminNick, adminID, "完成上下级认证", "已完成")
			// A non-admin's /done is refused and changes nothing.
			id := f.Push(dingtalktest.Msg{SenderID: "user9", SenderNick: "路人", Text: " /undo 湖南警察学院 认证"})
			if rs := f.WaitReplies(id, 1, 15*time.Second); len(rs) == 0 || !strings.Contains(rs[0].Text, "管理员") {
				t.Errorf("non-admin /undo: %v", rs)
			}
			_, st := ask(t, f, "/status 湖南警察学院")
			mustContain(t, "/status after /done", st.Text, "已完成")

			if err := r.stop(); err != nil {
				t.Fatalf("run after SIGTERM: %v", err)
			}
		})
	}
}

// pushStatusBurst pushes n /status commands at once from the admin, each
// naming a school, and returns their msgIds once every push is handed over.
func pushStatusBurst(f *dingtalktest.Server, names []string, n int) []string {
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ids[i] = f.Push(dingtalktest.Msg{SenderID: adminID, SenderNick: adminNick, Text: " /status " + names[i%len(names)]})
		})
	}
	wg.Wait()
	return ids
}

// TestE2EBurst: 300 /status commands at once, each naming a school, are all
// ACKed and each answered exactly once on its own session with its own
// school; nothing panics.
func TestE2EBurst(t *testing.T) {
	t.Parallel()
	f := dingtalktest.NewServer(t)
	r := startBot(t, "bot", writeBotConfig(t, f, redisConfig(t)))
	waitConnected(t, f, 1, r)
	names := schoolNames(t)

	const n = 300
	ids := pushStatusBurst(f, names, n)
	all := func() bool {
		for _, id := range ids {
			if len(f.Replies(id)) == 0 {
				return false
			}
		}
		return true
	}
	if !f.WaitFor(60*time.Second, all) {
		missing := 0
		for _, id := range ids {
			if len(f.Replies(id)) == 0 {
				missing++
			}
		}
		t.Fatalf("%d of %d messages unanswered after 60 s", missing, n)
	}
	settle(t, f)
	for i, id := range ids {
		waitAcks(t, f, id, 1)
		rs := f.Replies(id)
		if len(rs) != 1 {
			t.Errorf("message %d: %d replies, want 1", i, len(rs))
			continue
		}
		if want := names[i%len(names)]; !strings.Contains(rs[0].Text, want) || strings.Contains(rs[0].Text, bot.TextInternal) {
			t.Errorf("message %d (/status %s) answered on its session with:\n%s", i, want, rs[0].Text)
		}
	}
	if strings.Contains(r.log.String(), "panic") {
		t.Errorf("a panic was logged")
	}
	if err := r.stop(); err != nil {
		t.Fatalf("run after SIGTERM: %v", err)
	}
}

// TestE2EReconnect: after the fake drops every connection, after a SYSTEM
// disconnect, and after the link goes silent, the bot connects again by
// itself and answers. Drop and disconnect must be answered within 15 s,
// the silent link within 30 s (issue 4).
func TestE2EReconnect(t *testing.T) {
	t.Parallel()
	f := dingtalktest.NewServer(t)
	r := startBot(t, "bot", writeBotConfig(t, f, redisConfig(t)))
	waitConnected(t, f, 1, r)
	ask(t, f, "/status 湖南警察学院")

	for _, c := range []struct {
		name  string
		cut   func()
		limit time.Duration
	}{
		{"drop", f.DropAll, 15 * time.Second},
		{"disconnect", f.Disconnect, 15 * time.Second},
		{"silence", f.Silence, 30 * time.Second},
	} {
		regs := f.Registrations()
		start := time.Now()
		c.cut()
		if !f.WaitFor(c.limit, func() bool { return f.Registrations() > regs && f.Connections() >= 1 }) {
			t.Fatalf("%s: not connected again within %v", c.name, c.limit)
		}
		id, rep := ask(t, f, "/status 湖南警察学院")
		took := time.Since(start)
		mustContain(t, c.name, rep.Text, "湖南警察学院")
		waitAcks(t, f, id, 1)
		t.Logf("%s: answered again %v after the cut", c.name, took.Round(time.Millisecond))
		if took > c.limit {
			t.Errorf("%s: answered %v after the cut, want within %v", c.name, took, c.limit)
		}
	}
	if err := r.stop(); err != nil {
		t.Fatalf("run after SIGTERM: %v", err)
	}
}

// TestE2EShutdownDuringBurst: SIGTERM while a burst is being handled loses
// no reply to a message the bot ACKed, and run returns nil. Messages it did
// not ACK are DingTalk's to redeliver.
func TestE2EShutdownDuringBurst(t *testing.T) {
	t.Parallel()
	f := dingtalktest.NewServer(t)
	r := startBot(t, "bot", writeBotConfig(t, f, redisConfig(t)))
	waitConnected(t, f, 1, r)
	names := schoolNames(t)

	// Every push is handed to the connection before SIGTERM: a push after
	// it would find no connection.
	const n = 300
	ids := pushStatusBurst(f, names, n)
	f.WaitFor(10*time.Second, func() bool {
		k := 0
		for _, id := range ids {
			if acked(f, id) {
				k++
			}
		}
		return k >= n/3
	})
	inFlight := 0
	for _, id := range ids {
		if acked(f, id) && len(f.Replies(id)) == 0 {
			inFlight++
		}
	}
	start := time.Now()
	err := r.stop()
	t.Logf("SIGTERM with %d ACKed messages unanswered; run returned after %v", inFlight, time.Since(start).Round(time.Millisecond))
	if err != nil {
		t.Fatalf("run after SIGTERM: %v", err)
	}
	if inFlight == 0 {
		t.Errorf("no ACKed message was still unanswered at SIGTERM: the test did not exercise draining")
	}
	ackedN, lost := 0, 0
	for i, id := range ids {
		rs := f.Replies(id)
		if len(rs) > 1 {
			t.Errorf("message %d: %d replies", i, len(rs))
		}
		if !acked(f, id) {
			continue
		}
		ackedN++
		if len(rs) == 0 {
			lost++
		}
	}
	t.Logf("%d of %d messages ACKed (200) before the connection closed", ackedN, n)
	if lost > 0 {
		t.Errorf("%d ACKed messages got no reply", lost)
	}
}

// TestE2EReplicas: three replicas on one Redis answer each message exactly
// once, redeliveries (which the fake routes to any replica) included.
func TestE2EReplicas(t *testing.T) {
	t.Parallel()
	f := dingtalktest.NewServer(t)
	cfg := writeBotConfig(t, f, redisConfig(t))
	rs := []*replica{startBot(t, "replica-1", cfg), startBot(t, "replica-2", cfg), startBot(t, "replica-3", cfg)}
	waitConnected(t, f, 3, rs...)
	names := schoolNames(t)

	const n = 150
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ids[i] = f.Push(dingtalktest.Msg{SenderID: adminID, SenderNick: adminNick, Text: " /status " + names[i%len(names)]})
			if i%3 == 0 {
				// At once, while the first delivery may still be in
				// hand on another replica, and again twice.
				f.Redeliver(ids[i])
				f.Redeliver(ids[i])
			}
		})
	}
	wg.Wait()
	if !f.WaitFor(60*time.Second, func() bool {
		for _, id := range ids {
			if len(f.Replies(id)) == 0 {
				return false
			}
		}
		return true
	}) {
		t.Fatal("not every message answered within 60 s")
	}
	settle(t, f)
	for i, id := range ids {
		deliveries := 1
		if i%3 == 0 {
			deliveries = 3
		}
		waitAcks(t, f, id, deliveries)
		if got := f.Replies(id); len(got) != 1 {
			t.Errorf("message %d (%d deliveries): %d replies, want exactly 1", i, deliveries, len(got))
		} else if !strings.Contains(got[0].Text, names[i%len(names)]) {
			t.Errorf("message %d answered with:\n%s", i, got[0].Text)
		}
	}
	for _, r := range rs {
		if err := r.stop(); err != nil {
			t.Errorf("%s after SIGTERM: %v", r.name, err)
		}
	}
}

// TestE2ERedisDown: while Redis is unreachable a command gets a Chinese
// error reply within seconds, not silence; when Redis is back the bot
// answers normally again without a restart.
func TestE2ERedisDown(t *testing.T) {
	t.Parallel()
	p := redistest.Start(t)
	f := dingtalktest.NewServer(t)
	prefix := redistest.Prefix(t)
	r := startBot(t, "bot", writeBotConfig(t, f, botConfig{redisURL: p.URL(), prefix: prefix}))
	waitConnected(t, f, 1, r)
	_, rep := ask(t, f, "/status 湖南警察学院")
	mustContain(t, "before the outage", rep.Text, "湖南警察学院")

	p.Stop(t)
	start := time.Now()
	id, rep := ask(t, f, "/status 湖南警察学院")
	took := time.Since(start)
	t.Logf("answered %v into the outage: %s", took.Round(time.Millisecond), rep.Text)
	mustContain(t, "during the outage", rep.Text, "数据存储", "稍后再试")
	if took > 10*time.Second {
		t.Errorf("the outage reply took %v, want within seconds", took)
	}
	waitAcks(t, f, id, 1)

	// The Proc comes back empty; a real Redis would keep its data on disk,
	// so the test puts the registry back as it was.
	p.Start(t)
	reseed(t, p.URL(), prefix)
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, rep := ask(t, f, "/status 湖南警察学院")
		if strings.Contains(rep.Text, "完成上下级认证") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("30 s after Redis returned the bot still answers:\n%s", rep.Text)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err := r.stop(); err != nil {
		t.Fatalf("run after SIGTERM: %v", err)
	}
}

// reseed loads the notice's data into an emptied Redis, as the bot did at
// its start.
func reseed(t testing.TB, url, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := storeredis.Open(ctx, url, storeredis.WithPrefix(prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	seed, err := store.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Seed(ctx, seed); err != nil {
		t.Fatal(err)
	}
}
