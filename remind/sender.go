package remind

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"xuexibot/store"
)

// Poster delivers one message to DingTalk. The DingTalk client implements
// it: it paces per group, posts each message in one send (the scheduler
// has cut long digests into several messages; one that still does not fit
// is an error before anything is posted), and returns an error when
// DingTalk did not accept the message (throttling included). It should
// treat m.ID as the idempotency key where the channel has one, since a
// message whose success could not be recorded is posted again.
type Poster interface {
	Post(ctx context.Context, m store.OutMsg) error
}

// RetryDelayer is an optional ability of a Poster's error (found with
// errors.As): how long to wait before trying again, e.g. the 10 minutes a
// throttled custom robot is banned. The sender waits at least that long.
type RetryDelayer interface {
	RetryDelay() time.Duration
}

// PermanentError is an optional ability of a Poster's error (found with
// errors.As): Permanent reports that posting the same message again can
// never succeed (too long for one send, a parameter DingTalk refuses). The
// sender then drops the message, logged at error level, rather than retry
// it forever.
type PermanentError interface {
	Permanent() bool
}

// Outbox is the part of store.Outbox the sender uses.
type Outbox interface {
	Lease(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]store.OutMsg, error)
	Done(ctx context.Context, id string) error
	Retry(ctx context.Context, id string, next time.Time, lastErr string) error
	Depth(ctx context.Context) (int, error)
}

// SenderConfig is what a Sender needs; zero durations take the defaults.
type SenderConfig struct {
	Outbox Outbox
	Poster Poster

	Lease time.Duration // how long a leased message is ours: 30s
	Poll  time.Duration // how often the outbox is read when idle: 1s
	// Batch is how many messages are leased at once: 5, few enough to post
	// within a lease while the Poster paces them (20 a minute per group).
	Batch      int
	MinBackoff time.Duration // the first retry's delay: 2s
	MaxBackoff time.Duration // the cap of the delay: 5m

	Now     func() time.Time // nil: time.Now
	Jitter  func() float64   // in [0,1); nil: math/rand/v2
	Logger  *slog.Logger
	Metrics Metrics
}

// Sender delivers the outbox. Several senders, in one process or many, may
// share an outbox: a lease gives each message to one of them at a time.
type Sender struct {
	cfg  SenderConfig
	now  func() time.Time
	log  *slog.Logger
	wake chan struct{}
}

// NewSender checks cfg and fills in the defaults.
func NewSender(cfg SenderConfig) (*Sender, error) {
	if cfg.Outbox == nil || cfg.Poster == nil {
		return nil, errors.New("remind: sender needs an Outbox and a Poster")
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 30 * time.Second
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 5
	}
	if cfg.MinBackoff <= 0 {
		cfg.MinBackoff = 2 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	if cfg.MaxBackoff < cfg.MinBackoff {
		cfg.MaxBackoff = cfg.MinBackoff
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	s := &Sender{cfg: cfg, now: cfg.Now, log: cfg.Logger, wake: make(chan struct{}, 1)}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s, nil
}

// Wake makes a running sender read the outbox now; Config.Notify takes it.
// It never blocks.
func (s *Sender) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run delivers until ctx is done. A post in flight when ctx ends is allowed
// to finish (bounded by the lease); what is left stays in the outbox for the
// next start or another replica. It returns nil when ctx is done.
func (s *Sender) Run(ctx context.Context) error {
	for {
		_, err := s.Flush(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			s.log.Error("remind: outbox", "err", err)
		}
		t := time.NewTimer(s.cfg.Poll)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// Flush delivers until nothing is due or ctx ends: it leases the due
// messages a Batch at a time and posts them one by one. A message that
// fails is scheduled for later and so is not due again within this call.
// It returns how many it leased; run's shutdown calls it to empty the
// outbox within its grace period.
func (s *Sender) Flush(ctx context.Context) (int, error) {
	total := 0
	defer s.reportDepth(ctx)
	// held is when each message whose part failed in this call will be
	// tried again, by id stem (partStem): its later parts, in this batch
	// or a later one, wait until after it.
	held := map[string]time.Time{}
	for ctx.Err() == nil {
		n, err := s.flushBatch(ctx, held)
		total += n
		if err != nil {
			return total, err
		}
		if n < s.cfg.Batch {
			break // that was all that was due
		}
	}
	return total, nil
}

// flushBatch leases up to Batch due messages and posts them; it returns
// how many it leased. Once a part of a message fails, its later parts are
// not posted but scheduled a millisecond apart after the failed one's
// retry, so that the group never sees （2/3） before （1/3）: the outbox
// leases by NextTry.
func (s *Sender) flushBatch(ctx context.Context, held map[string]time.Time) (int, error) {
	start := s.now()
	msgs, err := s.cfg.Outbox.Lease(ctx, start, s.cfg.Lease, s.cfg.Batch)
	if err != nil {
		s.count(func(m Metrics) { m.StoreError("outbox_lease") })
		return 0, fmt.Errorf("remind: lease: %w", err)
	}
	// Stop posting well before the lease ends, so that no other sender can
	// lease a message while it is being posted here.
	until := start.Add(s.cfg.Lease - s.cfg.Lease/5)
	stopped := false
	for _, m := range msgs {
		stem := partStem(m.ID)
		if next, ok := held[stem]; ok {
			// Held even when stopped: the lease may run out before the
			// failed part's retry, which would free this part first.
			next = next.Add(time.Millisecond)
			held[stem] = next
			s.hold(ctx, m, next)
			continue
		}
		if stopped || ctx.Err() != nil {
			stopped = true
			continue
		}
		left := until.Sub(s.now())
		if left <= 0 {
			stopped = true // the rest are leased again when the lease runs out
			continue
		}
		if next, retried := s.send(ctx, m, left); retried {
			held[stem] = next
		}
	}
	return len(msgs), nil
}

// partStem is the id of the message a part was cut from ("x-p2" is a part
// of "x"; splitParts), or id itself.
func partStem(id string) string {
	i := strings.LastIndex(id, "-p")
	if i < 0 || i+2 == len(id) {
		return id
	}
	for _, c := range id[i+2:] {
		if c < '0' || c > '9' {
			return id
		}
	}
	return id[:i]
}

// hold schedules a leased part for next without posting it, because an
// earlier part of its message failed. It is not a failure of its own.
func (s *Sender) hold(ctx context.Context, m store.OutMsg, next time.Time) {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	s.log.Info("remind: held behind an earlier part", "id", m.ID, "job", m.Job, "until", next)
	if err := s.cfg.Outbox.Retry(rctx, m.ID, next, "held behind an earlier part that failed"); err != nil {
		s.count(func(mt Metrics) { mt.StoreError("outbox_retry") })
		s.log.Error("remind: hold part", "id", m.ID, "err", err)
	}
}

func (s *Sender) reportDepth(ctx context.Context) {
	if s.cfg.Metrics == nil {
		return
	}
	if n, err := s.cfg.Outbox.Depth(ctx); err == nil {
		s.cfg.Metrics.OutboxDepth(n)
	} else if ctx.Err() == nil {
		s.cfg.Metrics.StoreError("outbox_depth")
	}
}

// send posts one leased message and records the outcome. It returns when
// the message will be tried again, and whether it will be: not after a
// success, nor after a permanent failure (PermanentError), which drops it.
func (s *Sender) send(ctx context.Context, m store.OutMsg, left time.Duration) (time.Time, bool) {
	// A post is not cut off by shutdown: DingTalk may already have it, and
	// recording the outcome avoids posting it twice.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), left)
	defer cancel()
	err := s.cfg.Poster.Post(pctx, m)
	rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer rcancel()
	if err == nil {
		s.count(func(mt Metrics) { mt.ReminderSent(m.Job) })
		if derr := s.cfg.Outbox.Done(rctx, m.ID); derr != nil {
			// It will be leased and posted again; the Poster's idempotency
			// key keeps DingTalk from showing it twice.
			s.count(func(mt Metrics) { mt.StoreError("outbox_done") })
			s.log.Error("remind: mark sent", "id", m.ID, "err", derr)
			return time.Time{}, false
		}
		s.log.Info("remind: sent", "id", m.ID, "job", m.Job, "to", m.To)
		return time.Time{}, false
	}
	if pe := PermanentError(nil); errors.As(err, &pe) && pe.Permanent() {
		// Retrying would fail the same way for ever and hold back the
		// parts after it; drop it and say so loudly.
		s.count(func(mt Metrics) { mt.ReminderFailed(m.Job) })
		s.log.Error("remind: post failed for good, dropped", "id", m.ID, "job", m.Job, "to", m.To, "attempts", m.Attempts, "err", err)
		if derr := s.cfg.Outbox.Done(rctx, m.ID); derr != nil {
			// It will be leased, fail and be dropped again.
			s.count(func(mt Metrics) { mt.StoreError("outbox_done") })
			s.log.Error("remind: drop", "id", m.ID, "err", derr)
		}
		return time.Time{}, false
	}
	// Backends differ in when they count an attempt (bolt on Lease, Redis
	// on Retry); either way this is at least the first.
	delay := s.Backoff(max(m.Attempts, 1))
	var rd RetryDelayer
	if errors.As(err, &rd) && rd.RetryDelay() > delay {
		delay = rd.RetryDelay()
	}
	next := s.now().Add(delay)
	s.count(func(mt Metrics) { mt.ReminderFailed(m.Job); mt.ReminderRetried(m.Job) })
	s.log.Warn("remind: post failed, will retry", "id", m.ID, "job", m.Job, "attempts", m.Attempts, "in", delay, "err", err)
	if rerr := s.cfg.Outbox.Retry(rctx, m.ID, next, err.Error()); rerr != nil {
		// The lease still runs out, so the message is tried again anyway.
		s.count(func(mt Metrics) { mt.StoreError("outbox_retry") })
		s.log.Error("remind: schedule retry", "id", m.ID, "err", rerr)
	}
	return next, true
}

// Backoff is the delay before attempt n+1 after n failed attempts:
// MinBackoff doubled per attempt, capped at MaxBackoff, with the upper half
// jittered so that replicas and messages spread out.
func (s *Sender) Backoff(n int) time.Duration {
	d := s.cfg.MinBackoff
	for i := 1; i < n && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, s.cfg.MaxBackoff)
	return d/2 + time.Duration(s.cfg.Jitter()*float64(d/2))
}

func (s *Sender) count(f func(Metrics)) {
	if s.cfg.Metrics != nil {
		f(s.cfg.Metrics)
	}
}
