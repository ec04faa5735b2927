package main

// End-to-end tests of the reminders (issue 5) through `xuexibot run`
// against the DingTalk fake and a real Redis: replicas post each tick once,
// throttling loses nothing, and a replica SIGKILLed between claim and send
// still gets the reminder out after a restart.
//
// The tests read two things of the Redis backend's key layout that no API
// exposes without changing them: the tick claims ({prefix}:claim:tick:…)
// and the outbox hash ({prefix}:out:msg). Lease would move a message.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"xuexibot/bot/dingtalk/dingtalktest"
	"xuexibot/store"
	storeredis "xuexibot/store/redis"
)

// The reminder jobs' group messages, by their titles.
const (
	titleDeadline = "截止提醒"
	titleLagging  = "催办"
)

// remindersYAML is the reminders section with the given deadline and
// lagging specs, every day.
func remindersYAML(deadline, lagging string) string {
	return fmt.Sprintf("  deadline: %q\n  lagging: %q\n  report: \"\"\n  workdays_only: false\n", deadline, lagging)
}

// onceAt is a cron spec that fires once a day at t's second, in Shanghai:
// a reminder that ticks once within a test.
func onceAt(t time.Time) string {
	t = t.In(store.Shanghai())
	return fmt.Sprintf("%d %d %d * * *", t.Second(), t.Minute(), t.Hour())
}

// groupSends returns the messages posted to the group whose title starts with prefix.
func groupSends(f *dingtalktest.Server, prefix string) []dingtalktest.Sent {
	var out []dingtalktest.Sent
	for _, s := range f.SentVia("group") {
		if strings.HasPrefix(s.Title, prefix) {
			out = append(out, s)
		}
	}
	return out
}

// redisPeek reads a test's keys in the shared Redis.
type redisPeek struct {
	c   *goredis.Client
	tag string
}

func newPeek(t testing.TB, c botConfig) redisPeek {
	opt, err := goredis.ParseURL(c.redisURL)
	if err != nil {
		t.Fatal(err)
	}
	cl := goredis.NewClient(opt)
	t.Cleanup(func() { cl.Close() })
	return redisPeek{c: cl, tag: "{" + c.prefix + "}"}
}

// ticks returns the claimed ticks of job, in order.
func (p redisPeek) ticks(t testing.TB, job string) []time.Time {
	t.Helper()
	keys, err := p.c.Keys(context.Background(), p.tag+":claim:tick:"+job+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for _, k := range keys {
		sec, err := strconv.ParseInt(k[strings.LastIndex(k, ":")+1:], 10, 64)
		if err != nil {
			continue // a manual run's claim
		}
		out = append(out, time.Unix(sec, 0))
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// outbox returns the messages waiting in the outbox, without leasing them.
func (p redisPeek) outbox(t testing.TB) []store.OutMsg {
	t.Helper()
	vals, err := p.c.HVals(context.Background(), p.tag+":out:msg").Result()
	if err != nil {
		t.Fatal(err)
	}
	var out []store.OutMsg
	for _, v := range vals {
		var m store.OutMsg
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// depth is the outbox's Depth, through the store's own API.
func depth(t testing.TB, c botConfig) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := storeredis.Open(ctx, c.redisURL, storeredis.WithPrefix(c.prefix))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	n, err := st.Depth(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func stopAll(t testing.TB, rs []*replica) {
	t.Helper()
	var wg sync.WaitGroup
	for _, r := range rs {
		wg.Go(func() {
			if err := r.stop(); err != nil {
				t.Errorf("%s after SIGTERM: %v", r.name, err)
			}
		})
	}
	wg.Wait()
}

// TestRemindE2EReplicasTickOnce: three replicas on one Redis with the
// deadline job every 3 seconds post each tick exactly once, and no tick
// is skipped.
//
// Why the deadline job: the notice's deadlines are in 2019, so both
// milestones are overdue and the job speaks on every tick ("then daily
// while overdue" is every tick of the spec, not once a day), one digest
// per tick through the OpenAPI group send, which the fake records every
// time (the custom robot webhook would hide a repeat behind msgUuid). That
// send carries no tick id, so each send is matched to the latest claimed
// tick at or before it arrived: a tick posted twice, or a post with no
// tick, shows.
func TestRemindE2EReplicasTickOnce(t *testing.T) {
	t.Parallel()
	f := dingtalktest.NewServer(t)
	c := redisConfig(t)
	c.reminders = remindersYAML("*/3 * * * * *", "")
	cfg := writeBotConfig(t, f, c)
	rs := []*replica{startBot(t, "replica-1", cfg), startBot(t, "replica-2", cfg), startBot(t, "replica-3", cfg)}
	waitConnected(t, f, 3, rs...)

	const want = 8 // ticks, about 24 s
	if !f.WaitFor(60*time.Second, func() bool { return len(groupSends(f, titleDeadline)) >= want }) {
		t.Fatalf("%d deadline reminders in 60 s, want %d", len(groupSends(f, titleDeadline)), want)
	}
	stopAll(t, rs)
	peek := newPeek(t, c)
	ticks := peek.ticks(t, "deadline")
	sends := groupSends(f, titleDeadline)
	if len(f.SentVia("group")) != len(sends) {
		t.Errorf("%d group messages, %d of them deadline reminders: another job spoke", len(f.SentVia("group")), len(sends))
	}

	perTick := map[time.Time]int{}
	for _, s := range sends {
		i, _ := slices.BinarySearchFunc(ticks, s.At, func(tk, at time.Time) int {
			if tk.After(at) {
				return 1
			}
			return -1
		})
		if i == 0 {
			t.Errorf("a reminder at %v, before any claimed tick", s.At)
			continue
		}
		tick := ticks[i-1]
		perTick[tick]++
		if lag := s.At.Sub(tick); lag > 3*time.Second {
			t.Errorf("tick %v posted %v late", tick.Format("15:04:05"), lag)
		}
	}
	for i, tk := range ticks {
		if n := perTick[tk]; n != 1 {
			t.Errorf("tick %v posted %d times, want exactly once", tk.Format("15:04:05"), n)
		}
		if i > 0 && tk.Sub(ticks[i-1]) != 3*time.Second {
			t.Errorf("ticks %v and %v: a tick between them was skipped", ticks[i-1].Format("15:04:05"), tk.Format("15:04:05"))
		}
	}
	if n := depth(t, c); n != 0 {
		t.Errorf("after SIGTERM the outbox holds %d messages: %+v", n, peek.outbox(t))
	}
	t.Logf("%d ticks claimed, %d reminders posted by 3 replicas", len(ticks), len(sends))
}

// TestRemindE2EThrottled: with the fake refusing the first sends as too
// fast (more than the client retries by itself, so at least one reminder
// goes back to the outbox to be retried later, by either replica), every
// reminder of the tick still arrives exactly once.
func TestRemindE2EThrottled(t *testing.T) {
	t.Parallel()
	f := dingtalktest.NewServer(t)
	c := redisConfig(t)
	at := time.Now().Add(4 * time.Second)
	c.reminders = remindersYAML(onceAt(at), onceAt(at))
	cfg := writeBotConfig(t, f, c)
	// Two messages, each tried at most 4 times by the client before it
	// gives up: 7 refusals make at least one of them give up.
	f.Throttle(3, dingtalktest.ThrottleTooFast)
	f.Throttle(4, dingtalktest.Throttle429)
	rs := []*replica{startBot(t, "replica-1", cfg), startBot(t, "replica-2", cfg)}
	waitConnected(t, f, 2, rs...)

	both := func() bool { return len(groupSends(f, titleDeadline)) >= 1 && len(groupSends(f, titleLagging)) >= 1 }
	if !f.WaitFor(60*time.Second, both) {
		t.Fatalf("within 60 s of the tick: %d deadline and %d lagging reminders, want 1 each",
			len(groupSends(f, titleDeadline)), len(groupSends(f, titleLagging)))
	}
	// Anything posted twice would come within a retry's back-off.
	f.WaitFor(3*time.Second, func() bool { return len(f.SentVia("group")) > 2 })
	stopAll(t, rs)
	for _, title := range []string{titleDeadline, titleLagging} {
		if n := len(groupSends(f, title)); n != 1 {
			t.Errorf("%s: posted %d times, want exactly once", title, n)
		}
	}
	if n := len(f.SentVia("group")); n != 2 {
		t.Errorf("%d group messages, want 2", n)
	}
	retried := false
	for _, r := range rs {
		retried = retried || strings.Contains(r.log.String(), "remind: post failed, will retry")
	}
	if !retried {
		t.Errorf("no reminder went back to the outbox: the throttling did not reach the sender")
	}
	if n := depth(t, c); n != 0 {
		t.Errorf("the outbox still holds %d messages", n)
	}
	for _, s := range f.SentVia("group") {
		t.Logf("%s posted %v after the tick", strings.SplitN(s.Title, "：", 2)[0], s.At.Sub(at.Truncate(time.Second)).Round(100*time.Millisecond))
	}
}

// child is xuexibot run in a process of its own: this test binary, re-run
// with envChild set (see TestMain).
type child struct {
	cmd  *exec.Cmd
	out  *syncBuffer
	done chan struct{}
	err  error
}

func startChild(t *testing.T, name, cfg string) *child {
	t.Helper()
	c := &child{out: &syncBuffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0])
	c.cmd.Env = append(os.Environ(), envChild+"="+cfg)
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Kill()
			<-c.done
		}
		if t.Failed() {
			t.Logf("output of %s:\n%s", name, c.out)
		}
	})
	return c
}

func (c *child) wait(t testing.TB, d time.Duration) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(d):
		t.Fatalf("process did not exit within %v", d)
		return nil
	}
}

// TestRemindE2EKill9: a replica that claimed a tick and put its reminder in
// the outbox, but could not send it yet (DingTalk refuses its credentials
// here), is killed with SIGKILL. The reminder waits in the outbox; the next
// process (whose catch-up finds the tick claimed and does not run it again)
// delivers it exactly once, and SIGTERM then ends it with status 0.
func TestRemindE2EKill9(t *testing.T) {
	t.Parallel()
	f := dingtalktest.NewServer(t)
	c := redisConfig(t)
	at := time.Now().Add(3 * time.Second).Truncate(time.Second)
	c.reminders = remindersYAML(onceAt(at), "")
	good := writeBotConfig(t, f, c)
	c.secret = "wrong-secret"
	bad := writeBotConfig(t, f, c)
	peek := newPeek(t, c)

	first := startChild(t, "first process", bad)
	// Kill it once a send has failed and its retry is recorded: the
	// message is then neither sent nor leased.
	var held store.OutMsg
	if !f.WaitFor(30*time.Second, func() bool {
		for _, m := range peek.outbox(t) {
			if m.Attempts >= 1 && time.Until(m.NextTry) > 200*time.Millisecond {
				held = m
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no failed reminder in the outbox within 30 s: %+v", peek.outbox(t))
	}
	if err := first.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	err := first.wait(t, 10*time.Second)
	if ws, ok := first.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("first process ended with %v, want SIGKILL", err)
	}
	if n := len(f.SentVia("group")); n != 0 {
		t.Fatalf("%d group messages before the restart, want none", n)
	}
	if n := depth(t, c); n != 1 {
		t.Fatalf("outbox depth after SIGKILL = %d, want 1 (%+v)", n, peek.outbox(t))
	}
	if !strings.HasPrefix(held.ID, "deadline-"+strconv.FormatInt(at.Unix(), 10)) || len(peek.ticks(t, "deadline")) != 1 {
		t.Fatalf("held %q with claims %v, want the tick %d", held.ID, peek.ticks(t, "deadline"), at.Unix())
	}

	second := startChild(t, "second process", good)
	if !f.WaitFor(40*time.Second, func() bool { return len(groupSends(f, titleDeadline)) >= 1 }) {
		t.Fatalf("the reminder was not delivered within 40 s of the restart")
	}
	f.WaitFor(3*time.Second, func() bool { return len(f.SentVia("group")) > 1 })
	if err := second.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.wait(t, shutdownGrace+10*time.Second); err != nil {
		t.Errorf("second process after SIGTERM: %v, want exit status 0", err)
	}
	if n := len(f.SentVia("group")); n != 1 {
		t.Errorf("%d group messages, want the reminder exactly once", n)
	}
	if n := depth(t, c); n != 0 {
		t.Errorf("outbox depth after delivery = %d, want 0", n)
	}
	if ticks := peek.ticks(t, "deadline"); len(ticks) != 1 {
		t.Errorf("claimed ticks %v, want just the one", ticks)
	}
}
