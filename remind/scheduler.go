package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"xuexibot/calendar"
	"xuexibot/report"
	"xuexibot/store"
)

// Job names, as /remind and /schedule know them.
const (
	JobDeadline = "deadline"
	JobLagging  = "lagging"
	JobReport   = "report"
)

// jobName returns the job a name or its Chinese name stands for, "" for
// none.
func jobName(name string) string {
	switch strings.TrimSpace(name) {
	case JobDeadline, "倒计时", "截止", "截止提醒":
		return JobDeadline
	case JobLagging, "催办":
		return JobLagging
	case JobReport, "通报", "周报", "每周通报":
		return JobReport
	}
	return ""
}

// Registry is what the jobs read: report.Source, a subset of store.Registry.
type Registry interface {
	report.Source
}

// Claims hands a tick to exactly one replica (store.Claims).
type Claims interface {
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	Release(ctx context.Context, key string) error
}

// Queue is the part of the outbox the scheduler writes (store.Outbox).
type Queue interface {
	Enqueue(ctx context.Context, msgs ...store.OutMsg) error
}

// Metrics are the hooks remind calls; metrics.Metrics implements them.
// A nil Metrics records nothing.
type Metrics interface {
	ReminderSent(job string)
	ReminderFailed(job string)
	ReminderRetried(job string)
	OutboxDepth(n int)
	StoreError(op string)
}

// Config is what a Scheduler needs. Specs are cron specs, "" for off.
type Config struct {
	Deadline, Lagging, Report string

	// Direct also sends each lagging school's admin a 1:1 message.
	Direct bool
	// WorkdaysOnly skips ticks on days off by Calendar.
	WorkdaysOnly bool
	// CatchUp is how old a missed tick may be and still run at start; 0
	// turns catch-up off.
	CatchUp time.Duration

	Location *time.Location     // nil: store.Shanghai()
	Calendar *calendar.Calendar // nil: calendar.Default()

	Registry Registry
	Claims   Claims
	Outbox   Queue
	// DashboardURL, when set (http.public_url), is offered as a button
	// under the weekly report.
	DashboardURL string

	// Notify, when set, is called after a digest is in the outbox, so a
	// sender in the same process need not wait for its next poll.
	Notify func()

	Now     func() time.Time // nil: time.Now
	Logger  *slog.Logger     // nil: discard
	Metrics Metrics          // nil: none
}

// Scheduler runs the reminder jobs. Its methods are safe for concurrent use.
type Scheduler struct {
	jobs         []*job
	direct       bool
	workdaysOnly bool
	catchUp      time.Duration
	loc          *time.Location
	cal          *calendar.Calendar
	reg          Registry
	claims       Claims
	outbox       Queue
	notify       func()
	dashboard    string
	now          func() time.Time
	log          *slog.Logger
	metrics      Metrics

	// retryBase is the first wait before a failed tick is tried again.
	retryBase time.Duration
	// partBytes is the most markdown one outbox message carries
	// (maxPartBytes; tests make it smaller).
	partBytes int

	mu     sync.Mutex
	warned map[int]bool // years whose missing calendar data was logged
}

type job struct {
	name  string
	key   string // the config key, for errors: reminders.deadline
	spec  string
	sched cron.Schedule // nil when off
}

// claimTTL is how long a tick's claim lasts: longer than any catch-up
// window and any clock skew between replicas, so a tick is never run twice.
const claimTTL = 6 * time.Hour

// parser accepts 5 fields, 6 with leading seconds, and descriptors.
func parser() cron.Parser {
	return cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)
}

// ParseSpec parses one cron spec; "" is off and returns nil. Exported so
// that config checks can use the scheduler's own parser.
func ParseSpec(spec string) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, nil
	}
	if strings.HasPrefix(spec, "@every") {
		return nil, errors.New("不支持 @every：各副本的触发时刻不一致，请改用 cron 表达式")
	}
	// cron v3.0.1 panics on "TZ=Zone" with nothing after it.
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("无效的 cron 表达式 %q", spec)
		}
	}()
	sched, err = parser().Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("无效的 cron 表达式 %q: %w", spec, err)
	}
	return sched, nil
}

// New checks cfg and parses every spec; a bad spec is an error naming its
// key, e.g. `reminders.lagging: 无效的 cron 表达式 ...`. All bad specs are
// reported at once.
func New(cfg Config) (*Scheduler, error) {
	s := &Scheduler{
		direct: cfg.Direct, workdaysOnly: cfg.WorkdaysOnly, catchUp: cfg.CatchUp,
		loc: cfg.Location, cal: cfg.Calendar, reg: cfg.Registry, claims: cfg.Claims, outbox: cfg.Outbox,
		notify: cfg.Notify, dashboard: cfg.DashboardURL, now: cfg.Now, log: cfg.Logger, metrics: cfg.Metrics,
		warned: map[int]bool{}, retryBase: time.Second, partBytes: maxPartBytes,
	}
	var errs []error
	for _, j := range []struct{ name, spec string }{
		{JobDeadline, cfg.Deadline}, {JobLagging, cfg.Lagging}, {JobReport, cfg.Report},
	} {
		key := "reminders." + j.name
		sched, err := ParseSpec(j.spec)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", key, err))
		}
		s.jobs = append(s.jobs, &job{name: j.name, key: key, spec: strings.TrimSpace(j.spec), sched: sched})
	}
	if cfg.CatchUp < 0 {
		errs = append(errs, errors.New("reminders.catch_up 不能为负"))
	}
	if cfg.Registry == nil || cfg.Claims == nil || cfg.Outbox == nil {
		errs = append(errs, errors.New("remind: Registry, Claims and Outbox are required"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if s.loc == nil {
		s.loc = store.Shanghai()
	}
	if s.cal == nil {
		cal, err := calendar.Default()
		if err != nil {
			return nil, fmt.Errorf("remind: %w", err)
		}
		s.cal = cal
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// JobNames lists every job, enabled or not, in a fixed order.
func (s *Scheduler) JobNames() []string {
	names := make([]string, len(s.jobs))
	for i, j := range s.jobs {
		names[i] = j.name
	}
	return names
}

// Spec returns a job's cron spec, "" when it is off or unknown.
func (s *Scheduler) Spec(name string) string {
	if j := s.job(name); j != nil {
		return j.spec
	}
	return ""
}

// Next returns when a job runs next after now, skipping days off when
// WorkdaysOnly; zero when it is off or unknown.
func (s *Scheduler) Next(name string) time.Time {
	j := s.job(name)
	if j == nil || j.sched == nil {
		return time.Time{}
	}
	t := s.now().In(s.loc)
	for range 400 {
		t = j.sched.Next(t)
		if t.IsZero() || s.runsOn(t) {
			return t
		}
		// Skip the rest of the day off, however often the job ticks.
		y, m, d := t.In(s.loc).Date()
		t = time.Date(y, m, d+1, 0, 0, 0, 0, s.loc).Add(-time.Second)
	}
	return time.Time{}
}

func (s *Scheduler) job(name string) *job {
	name = jobName(name)
	for _, j := range s.jobs {
		if j.name == name {
			return j
		}
	}
	return nil
}

// runsOn reports whether a tick at t is to run: always, or on workdays only.
func (s *Scheduler) runsOn(t time.Time) bool {
	if !s.workdaysOnly {
		return true
	}
	t = t.In(s.loc)
	s.checkYear(t.Year())
	return s.cal.IsWorkday(t)
}

// checkYear logs once per year that the calendar has no data for it.
func (s *Scheduler) checkYear(y int) {
	if s.cal.Known(y) {
		return
	}
	s.mu.Lock()
	first := !s.warned[y]
	s.warned[y] = true
	s.mu.Unlock()
	if first {
		s.log.Warn("remind: no official calendar for this year; treating Monday to Friday as working days", "year", y)
	}
}

// RunJob runs a job now, for /remind: on any day, whether or not its
// schedule is on, and with a claim of its own so that it still runs once
// across replicas. The deadline job then lists every open milestone, not
// only those at a countdown point. An unknown job, or one with nothing to
// send, is a *store.Error for the person who asked.
func (s *Scheduler) RunJob(ctx context.Context, name string) error {
	j := s.job(name)
	if j == nil {
		return store.Errorf(store.EInvalid, "没有任务“%s”。可用的任务：deadline（截止提醒）、lagging（催办）、report（每周通报）。", strings.TrimSpace(name))
	}
	n, err := s.fire(ctx, j, s.now(), true)
	if err != nil {
		return err
	}
	if n == 0 {
		return store.Errorf(store.ENotFound, "当前没有需要发送的内容：各工作节点均无未完成的高校。")
	}
	return nil
}

// Run runs the jobs until ctx is done: first each job's catch-up, then its
// ticks. It returns nil when ctx is done and every running tick has
// finished.
func (s *Scheduler) Run(ctx context.Context) error {
	start := s.now()
	var wg sync.WaitGroup
	for _, j := range s.jobs {
		if j.sched == nil {
			continue
		}
		s.log.Info("remind: job scheduled", "job", j.name, "spec", j.spec, "next", s.Next(j.name))
		wg.Go(func() {
			s.catchUpJob(ctx, j, start)
			s.loop(ctx, j, start)
		})
	}
	wg.Wait()
	// Also when every job is off or will never tick again: Run lasts as
	// long as its context, like the other parts main runs.
	<-ctx.Done()
	return nil
}

// maxSleep bounds a wait, so that a wall clock that jumps (a suspended VM,
// an NTP step) delays a tick by at most this much.
const maxSleep = 30 * time.Second

// loop runs j's ticks after start until ctx is done.
func (s *Scheduler) loop(ctx context.Context, j *job, start time.Time) {
	next := j.sched.Next(start.In(s.loc))
	for !next.IsZero() {
		if wait := next.Sub(s.now()); wait > 0 {
			if !sleep(ctx, min(wait, maxSleep)) {
				return
			}
			continue
		}
		s.tick(ctx, j, next)
		if ctx.Err() != nil {
			return
		}
		// Ticks missed while this one ran are skipped, as cron does; the
		// clock may also have gone back, so never repeat a tick.
		now := s.now()
		if now.Before(next) {
			now = next
		}
		next = j.sched.Next(now.In(s.loc))
	}
}

// catchUpJob runs j's most recent tick at or before start when it is within
// the catch-up window and nobody has claimed it.
func (s *Scheduler) catchUpJob(ctx context.Context, j *job, start time.Time) {
	if s.catchUp <= 0 {
		return
	}
	prev := prevTime(j.sched, start.In(s.loc))
	if prev.IsZero() || start.Sub(prev) > s.catchUp {
		return
	}
	s.log.Info("remind: checking the last tick before start", "job", j.name, "tick", prev)
	s.tick(ctx, j, prev)
}

// tick runs one scheduled tick, retrying on store errors while the tick is
// fresh: within the catch-up window (at least a minute) and before the next
// tick is due.
func (s *Scheduler) tick(ctx context.Context, j *job, at time.Time) {
	if !s.runsOn(at) {
		s.log.Info("remind: day off, tick skipped", "job", j.name, "tick", at)
		return
	}
	window := max(s.catchUp, time.Minute)
	backoff := s.retryBase
	for {
		_, err := s.fire(ctx, j, at, false)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			return // shutting down; a restart catches up
		}
		now := s.now()
		stale := now.Sub(at) > window || !j.sched.Next(at.In(s.loc)).After(now)
		if stale {
			s.log.Error("remind: tick failed", "job", j.name, "tick", at, "err", err)
			s.count(func(m Metrics) { m.ReminderFailed(j.name) })
			return
		}
		s.log.Warn("remind: tick failed, retrying", "job", j.name, "tick", at, "in", backoff, "err", err)
		if !sleep(ctx, backoff) {
			return
		}
		backoff = min(2*backoff, maxSleep)
	}
}

// fire claims a tick and, when it wins, builds the digest and puts it in
// the outbox. It returns how many messages it queued: 0 when another
// replica has the tick or there is nothing to say. On an error after the
// claim the claim is released, so the tick can be tried again.
func (s *Scheduler) fire(ctx context.Context, j *job, at time.Time, manual bool) (int, error) {
	key := fmt.Sprintf("tick:%s:%d", j.name, at.Unix())
	id := fmt.Sprintf("%s-%d", j.name, at.Unix())
	if manual {
		// A manual run must not take a scheduled tick's claim, nor another
		// manual run's: the command itself is answered once, so any fresh
		// key is once across replicas.
		key = fmt.Sprintf("tick:%s:manual:%d", j.name, at.UnixNano())
		id = fmt.Sprintf("%s-manual-%d", j.name, at.UnixNano())
	}
	won, err := s.claims.Claim(ctx, key, claimTTL)
	if err != nil {
		s.count(func(m Metrics) { m.StoreError("claim") })
		return 0, fmt.Errorf("remind: claim %s: %w", key, err)
	}
	if !won {
		s.log.Debug("remind: tick claimed by another replica", "job", j.name, "tick", at)
		return 0, nil
	}
	drafts, err := s.build(ctx, j.name, at, manual)
	var msgs []store.OutMsg
	if err == nil && len(drafts) > 0 {
		now := s.now()
		for i := range drafts {
			d := &drafts[i]
			d.Job, d.Tick = j.name, at
			d.Created, d.NextTry = now, now
			if d.ID == "" {
				d.ID = id
			} else {
				d.ID = id + "-" + d.ID
			}
		}
		msgs = splitParts(drafts, s.partBytes)
		if err = s.outbox.Enqueue(ctx, msgs...); err != nil {
			s.count(func(m Metrics) { m.StoreError("outbox_enqueue") })
			err = fmt.Errorf("remind: enqueue %s: %w", key, err)
		}
	} else if err != nil {
		s.count(func(m Metrics) { m.StoreError("remind_build") })
		err = fmt.Errorf("remind: build %s: %w", key, err)
	}
	if err != nil {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if rerr := s.claims.Release(rctx, key); rerr != nil {
			s.count(func(m Metrics) { m.StoreError("release") })
			s.log.Error("remind: release claim", "key", key, "err", rerr)
		}
		return 0, err
	}
	if len(msgs) == 0 {
		s.log.Info("remind: nothing to send", "job", j.name, "tick", at)
		return 0, nil
	}
	s.log.Info("remind: digest queued", "job", j.name, "tick", at, "messages", len(msgs))
	if s.notify != nil {
		s.notify()
	}
	return len(msgs), nil
}

func (s *Scheduler) count(f func(Metrics)) {
	if s.metrics != nil {
		f(s.metrics)
	}
}

// prevTime returns the latest time of sched at or before t, zero when there
// is none within five years (cron's own horizon).
func prevTime(sched cron.Schedule, t time.Time) time.Time {
	for w := time.Minute; w <= 5*366*24*time.Hour; w *= 2 {
		s := sched.Next(t.Add(-w))
		if s.IsZero() || s.After(t) {
			continue
		}
		for {
			n := sched.Next(s)
			if n.IsZero() || n.After(t) {
				return s
			}
			s = n
		}
	}
	return time.Time{}
}

// sleep waits d or until ctx is done, reporting whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
