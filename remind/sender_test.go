package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/bot/dingtalk"
	"xuexibot/bot/dingtalk/dingtalktest"
	"xuexibot/internal/redistest"
	"xuexibot/store"
)

func newSender(t *testing.T, ob Outbox, p Poster, clk *clock, m Metrics) *Sender {
	t.Helper()
	s, err := NewSender(SenderConfig{Outbox: ob, Poster: p, Now: clk.Now, Jitter: func() float64 { return 0.5 }, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func enqueue(t *testing.T, st backend, msgs ...store.OutMsg) {
	t.Helper()
	if err := st.Enqueue(context.Background(), msgs...); err != nil {
		t.Fatal(err)
	}
}

func msg(id, job string, tick time.Time) store.OutMsg {
	return store.OutMsg{ID: id, Job: job, Tick: tick, To: "group", Title: id, Markdown: "**" + id + "**", NextTry: tick, Created: tick}
}

func depth(t *testing.T, st backend) int {
	t.Helper()
	n, err := st.Depth(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

type throttled struct{ d time.Duration }

func (e throttled) Error() string             { return fmt.Sprintf("throttled for %v", e.d) }
func (e throttled) RetryDelay() time.Duration { return e.d }

// A failing Poster is retried with growing delays until it succeeds; the
// message is posted once and never lost.
func TestSenderRetriesUntilSuccess(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 8, 9, 30))
	enqueue(t, st, msg("lagging-1", JobLagging, clk.Now()))
	var tries []time.Time
	p := &recorder{fail: func(try int, _ store.OutMsg) error {
		tries = append(tries, clk.Now())
		if try <= 6 {
			return fmt.Errorf("dingtalk down (%d)", try)
		}
		return nil
	}}
	m := newCountMetrics()
	s := newSender(t, st, p, clk, m)
	// Poll every second of the injected clock, as Run would.
	for step := 0; len(p.sent()) == 0 && step < 1000; step++ {
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Second)
	}
	if got := p.sent(); len(got) != 1 || got[0].ID != "lagging-1" || len(tries) != 7 {
		t.Fatalf("sent %+v after %d tries", got, len(tries))
	}
	// Each wait is at least the back-off for that attempt, and they grow.
	for i := 1; i < len(tries); i++ {
		gap := tries[i].Sub(tries[i-1])
		if min := s.Backoff(i); gap < min || gap > min+time.Second {
			t.Errorf("wait before try %d = %v, want %v (+1s polling)", i+1, gap, min)
		}
	}
	if depth(t, st) != 0 {
		t.Error("outbox not empty after success")
	}
	if m.sent[JobLagging] != 1 || m.failed[JobLagging] != 6 || m.retried[JobLagging] != 6 || m.depth != 0 {
		t.Errorf("metrics: sent %v failed %v retried %v depth %d", m.sent, m.failed, m.retried, m.depth)
	}
	// Once sent it is gone: more passes post nothing.
	clk.Add(time.Hour)
	s.Flush(ctx)
	if len(p.sent()) != 1 {
		t.Error("posted twice")
	}
}

// The back-off doubles from MinBackoff, is capped at MaxBackoff and keeps
// within [d/2, d] for any jitter.
func TestBackoff(t *testing.T) {
	for _, j := range []float64{0, 0.5, 0.999} {
		s, err := NewSender(SenderConfig{Outbox: newBolt(t), Poster: &recorder{}, Jitter: func() float64 { return j }})
		if err != nil {
			t.Fatal(err)
		}
		want := 2 * time.Second
		for n := 1; n <= 20; n++ {
			got := s.Backoff(n)
			if got < want/2 || got > want {
				t.Errorf("jitter %v: Backoff(%d) = %v, want within [%v, %v]", j, n, got, want/2, want)
			}
			want = min(2*want, 5*time.Minute)
		}
	}
}

// The sender keeps to the retry time it scheduled, and waits longer when
// the error says so.
func TestSenderBackoffAndRetryDelay(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 8, 9, 30))
	enqueue(t, st, msg("a", JobDeadline, clk.Now()))
	tries := 0
	p := &recorder{fail: func(try int, _ store.OutMsg) error {
		tries = try
		switch try {
		case 1:
			return errors.New("network")
		case 2:
			return fmt.Errorf("post: %w", throttled{10 * time.Minute})
		}
		return nil
	}}
	s := newSender(t, st, p, clk, nil)
	s.Flush(ctx) // fails: retry after Backoff(1) = 1.5s with jitter 0.5
	clk.Add(1400 * time.Millisecond)
	s.Flush(ctx)
	if tries != 1 {
		t.Fatalf("retried before its back-off: %d tries", tries)
	}
	clk.Add(200 * time.Millisecond)
	s.Flush(ctx) // throttled: 10 minutes
	if tries != 2 {
		t.Fatalf("not retried after its back-off: %d tries", tries)
	}
	clk.Add(9 * time.Minute)
	s.Flush(ctx)
	if tries != 2 {
		t.Fatal("retried before the throttle's delay")
	}
	clk.Add(time.Minute)
	s.Flush(ctx)
	if tries != 3 || len(p.sent()) != 1 || depth(t, st) != 0 {
		t.Errorf("after the delay: %d tries, %d sent, depth %d", tries, len(p.sent()), depth(t, st))
	}
}

// A sender that dies holding a lease leaves the messages to the next one,
// after a restart, once the lease runs out; nothing is lost or doubled.
func TestSenderResumesAfterRestart(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "x.db")
	clk := newClock(at(2019, 3, 8, 9, 30))
	st := openBolt(t, path)
	sched := newScheduler(t, st, clk, Config{Lagging: "30 9 * * 1-5", Deadline: "0 9 * * *", Direct: true})
	if _, err := sched.fire(ctx, sched.job(JobLagging), clk.Now(), false); err != nil {
		t.Fatal(err)
	}
	if _, err := sched.fire(ctx, sched.job(JobDeadline), at(2019, 3, 8, 9, 0), false); err != nil {
		t.Fatal(err)
	}
	// The first sender leases everything and is killed before posting.
	leased, err := st.Lease(ctx, clk.Now(), 30*time.Second, 10)
	if err != nil || len(leased) != 2 {
		t.Fatalf("lease: %d %v", len(leased), err)
	}
	st.Close()

	st = openBolt(t, path)
	p := &recorder{}
	s := newSender(t, st, p, clk, nil)
	clk.Add(10 * time.Second)
	if n, _ := s.Flush(ctx); n != 0 {
		t.Fatal("a message was taken while another sender's lease held")
	}
	clk.Add(25 * time.Second)
	if n, err := s.Flush(ctx); err != nil || n != 2 {
		t.Fatalf("after the lease: %d %v", n, err)
	}
	got := ids(p.sent())
	slices.Sort(got)
	want := []string{fmt.Sprintf("deadline-%d", at(2019, 3, 8, 9, 0).Unix()), fmt.Sprintf("lagging-%d", at(2019, 3, 8, 9, 30).Unix())}
	if !slices.Equal(got, want) || depth(t, st) != 0 {
		t.Errorf("sent %v, want %v; depth %d", got, want, depth(t, st))
	}
}

// A digest not yet sent when the next tick of its job comes is dropped:
// only the newer one is posted.
func TestSuperseded(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 7, 9, 30))
	sched := newScheduler(t, st, clk, Config{Lagging: "30 9 * * 1-5", Direct: true, Deadline: "0 9 * * *"})
	admin := func(name, id string) {
		res, err := st.Resolve(ctx, name)
		if err != nil || res.Org == nil {
			t.Fatal(err)
		}
		_, err = st.Update(ctx, res.Org.ID, store.Meta{Actor: store.System, Command: "test"}, func(o *store.Org) error {
			o.Admin = store.Admin{Name: name + "管理员", UserID: id}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	admin("湖南警察学院", "u1")
	admin("潇湘职业学院", "u2")
	if _, err := sched.fire(ctx, sched.job(JobDeadline), at(2019, 3, 7, 9, 0), false); err != nil {
		t.Fatal(err)
	}
	if _, err := sched.fire(ctx, sched.job(JobLagging), at(2019, 3, 7, 9, 30), false); err != nil {
		t.Fatal(err)
	}
	// DingTalk is down all day; the next day's lagging tick supersedes.
	if _, err := sched.fire(ctx, sched.job(JobLagging), at(2019, 3, 8, 9, 30), false); err != nil {
		t.Fatal(err)
	}
	p := &recorder{}
	s := newSender(t, st, p, clk, nil)
	clk.Set(at(2019, 3, 8, 9, 31))
	if _, err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := ids(p.sent())
	slices.Sort(got)
	day2 := at(2019, 3, 8, 9, 30).Unix()
	want := []string{
		fmt.Sprintf("deadline-%d", at(2019, 3, 7, 9, 0).Unix()), // another job: kept
		fmt.Sprintf("lagging-%d", day2),
		fmt.Sprintf("lagging-%d-u-u1", day2),
		fmt.Sprintf("lagging-%d-u-u2", day2),
	}
	if !slices.Equal(got, want) {
		t.Errorf("sent %v, want %v", got, want)
	}
}

// Two senders on one Redis, flushing at once, post each message once.
func TestSendersShareRedisOutbox(t *testing.T) {
	ctx := context.Background()
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	ra, rb := openRedis(t, url, prefix), openRedis(t, url, prefix)
	clk := newClock(at(2019, 3, 8, 9, 30))
	for i := range 30 {
		enqueue(t, ra, msg(fmt.Sprintf("m%02d", i), fmt.Sprintf("job%d", i), clk.Now()))
	}
	p := &recorder{fail: func(try int, _ store.OutMsg) error {
		if try%4 == 0 {
			return errors.New("flaky")
		}
		return nil
	}}
	a, b := newSender(t, ra, p, clk, nil), newSender(t, rb, p, clk, nil)
	for round := 0; depth(t, ra) > 0 && round < 50; round++ {
		var wg sync.WaitGroup
		wg.Go(func() { a.Flush(ctx) })
		wg.Go(func() { b.Flush(ctx) })
		wg.Wait()
		clk.Add(time.Minute)
	}
	got := ids(p.sent())
	slices.Sort(got)
	if len(got) != 30 || len(slices.Compact(slices.Clone(got))) != 30 {
		t.Errorf("sent %d (%d distinct), want 30 once each: %v", len(got), len(slices.Compact(slices.Clone(got))), got)
	}
}

// Against the fake DingTalk through the real client: the 催办 with
// mentions goes through the custom robot with @ in at.atUserIds and the
// message id as msgUuid, the 1:1 messages through the OpenAPI; the robot
// throttles the first sends and every message still arrives once.
func TestSenderThroughFakeDingTalk(t *testing.T) {
	ctx := context.Background()
	fake := dingtalktest.NewServer(t)
	client, err := dingtalk.NewClient(dingtalk.Config{
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, RobotCode: fake.RobotCode,
		GroupID: fake.GroupID, APIHost: fake.URL,
		WebhookURL: fake.WebhookURL(), WebhookSecret: fake.WebhookSecret,
	}, dingtalk.Options{Retries: -1, Backoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	st := newBolt(t)
	res, err := st.Resolve(ctx, "湖南警察学院")
	if err != nil || res.Org == nil {
		t.Fatal(err)
	}
	_, err = st.Update(ctx, res.Org.ID, store.Meta{Actor: store.System, Command: "test"}, func(o *store.Org) error {
		o.Admin = store.Admin{Name: "张三", UserID: "0147001"}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	clk := newClock(at(2019, 3, 8, 9, 30))
	sched := newScheduler(t, st, clk, Config{Lagging: "30 9 * * 1-5", Direct: true})
	if _, err := sched.fire(ctx, sched.job(JobLagging), clk.Now(), false); err != nil {
		t.Fatal(err)
	}
	fake.Throttle(3, dingtalktest.Throttle130101)
	m := newCountMetrics()
	s := newSender(t, st, client, clk, m)
	for round := 0; depth(t, st) > 0 && round < 20; round++ {
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(15 * time.Minute)
	}
	hooks := fake.SentVia("webhook")
	users := fake.SentVia("user")
	if len(hooks) != 1 || len(users) != 1 {
		t.Fatalf("webhook %d, user %d sends; all: %+v", len(hooks), len(users), fake.Sent())
	}
	h := hooks[0]
	if !slices.Contains(h.AtUserIDs, "0147001") || !strings.Contains(h.Text, "@0147001") ||
		h.MsgUUID != fmt.Sprintf("lagging-%d", at(2019, 3, 8, 9, 30).Unix()) || !strings.Contains(h.Text, "湖南警察学院：未完成安装、认证；学习管理员：张三") {
		t.Errorf("webhook send: %+v", h)
	}
	if !slices.Equal(users[0].UserIDs, []string{"0147001"}) || !strings.Contains(users[0].Text, "张三，您好") {
		t.Errorf("1:1 send: %+v", users[0])
	}
	if m.failed[JobLagging] < 1 || m.sent[JobLagging] != 2 {
		t.Errorf("metrics: failed %v sent %v", m.failed, m.sent)
	}
}

type permanent struct{ msg string }

func (e permanent) Error() string   { return e.msg }
func (e permanent) Permanent() bool { return true }

// A Post error that says it is permanent is not retried: the message is
// dropped with an error log naming it and counted as failed, and the rest
// are delivered. An ordinary error is still retried.
func TestSenderDropsPermanentFailure(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 8, 9, 30))
	enqueue(t, st, msg("toolong", JobLagging, clk.Now()), msg("fine", JobDeadline, clk.Now()))
	tries := map[string]int{}
	p := &recorder{fail: func(_ int, m store.OutMsg) error {
		tries[m.ID]++
		if m.ID == "toolong" {
			return fmt.Errorf("dingtalk: post %s: %w", m.ID, permanent{"message too long for one send"})
		}
		return nil
	}}
	var logs strings.Builder
	mt := newCountMetrics()
	s, err := NewSender(SenderConfig{
		Outbox: st, Poster: p, Now: clk.Now, Jitter: func() float64 { return 0.5 }, Metrics: mt,
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(10 * time.Minute)
	}
	if tries["toolong"] != 1 || depth(t, st) != 0 || ids(p.sent())[0] != "fine" {
		t.Errorf("tried %d times, depth %d, sent %v", tries["toolong"], depth(t, st), ids(p.sent()))
	}
	if mt.failed[JobLagging] != 1 || mt.retried[JobLagging] != 0 || mt.sent[JobDeadline] != 1 {
		t.Errorf("metrics: failed %v retried %v sent %v", mt.failed, mt.retried, mt.sent)
	}
	if l := logs.String(); !strings.Contains(l, "level=ERROR") || !strings.Contains(l, "id=toolong") || !strings.Contains(l, "too long") {
		t.Errorf("log:\n%s", l)
	}

	// Permanent() false is an ordinary failure.
	enqueue(t, st, msg("again", JobReport, clk.Now()))
	p.fail = func(try int, m store.OutMsg) error {
		if try < 10 {
			return permanentNot{}
		}
		return nil
	}
	s.Flush(ctx)
	if depth(t, st) != 1 || mt.retried[JobReport] != 1 {
		t.Errorf("a non-permanent error: depth %d, retried %v", depth(t, st), mt.retried)
	}
}

type permanentNot struct{}

func (permanentNot) Error() string   { return "busy" }
func (permanentNot) Permanent() bool { return false }

// When a part fails, the parts after it wait for it, in the batch and in
// later batches, so the group reads （1/7） first; another message in the
// same batch is not held.
func TestSenderKeepsPartsInOrder(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 8, 9, 30))
	var parts []store.OutMsg
	for i := range 7 { // more than a Batch of 5
		m := msg(fmt.Sprintf("lagging-1-p%d", i+1), JobLagging, clk.Now())
		m.NextTry = clk.Now().Add(time.Duration(i) * time.Millisecond)
		parts = append(parts, m)
	}
	other := msg("deadline-1", JobDeadline, clk.Now().Add(2*time.Millisecond))
	enqueue(t, st, append(parts, other)...)
	p := &recorder{fail: func(try int, m store.OutMsg) error {
		if try == 1 {
			return throttled{10 * time.Minute}
		}
		return nil
	}}
	s := newSender(t, st, p, clk, nil)
	clk.Add(10 * time.Millisecond) // all due
	if _, err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := ids(p.sent()); !slices.Equal(got, []string{"deadline-1"}) || depth(t, st) != 7 {
		t.Fatalf("after part 1 failed: sent %v, depth %d", got, depth(t, st))
	}
	for round := 0; depth(t, st) > 0 && round < 20; round++ {
		clk.Add(time.Minute)
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for _, m := range parts {
		want = append(want, m.ID)
	}
	if got := ids(p.sent())[1:]; !slices.Equal(got, want) {
		t.Errorf("parts posted in the order %v", got)
	}
}

func TestPartStem(t *testing.T) {
	for id, want := range map[string]string{
		"lagging-1-p2": "lagging-1", "lagging-1-u-0147-p10": "lagging-1-u-0147", "lagging-1": "lagging-1",
		"x-p": "x-p", "x-pa": "x-pa", "report-1-u-app1": "report-1-u-app1",
	} {
		if got := partStem(id); got != want {
			t.Errorf("partStem(%q) = %q, want %q", id, got, want)
		}
	}
}
