package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"sync"
	"time"
)

// Texts the Dispatcher answers with on its own.
const (
	// TextNoText answers a message without text: a picture, a file, or a
	// callback that lost its content to the platform's quota (error 20001).
	TextNoText = "请发送文字命令，例如 /帮助"
	// TextStoreDown answers when the claim store (Redis) cannot be reached.
	TextStoreDown = "数据存储暂时不可用，请稍后再试"
	// TextInternal answers when a Handler panicked.
	TextInternal = "处理出错，请稍后再试"
)

// ErrClosed is returned by Submit after Shutdown has begun.
var ErrClosed = errors.New("bot: dispatcher is shut down")

// ErrPartialReply is wrapped by a ReplyFunc's error when part of a reply
// (say the first of two chunks) reached the person. The Dispatcher then keeps
// its claim, since answering a redelivery would repeat what was said.
var ErrPartialReply = errors.New("bot: reply partly sent")

// ReplyFunc posts a Reply where a message came from. It must be safe to call
// from any goroutine. An error means the person saw nothing, unless it wraps
// ErrPartialReply.
type ReplyFunc func(ctx context.Context, r Reply) error

// Metrics are the hooks the Dispatcher reports to; metrics.Metrics has them.
type Metrics interface {
	MessageReceived()
	MessageDeduplicated()
	// ReplyObserved gets the time from Submit to the reply being accepted by
	// the platform.
	ReplyObserved(d time.Duration)
}

// Options tune a Dispatcher. Zero values take the defaults shown.
type Options struct {
	Workers int // handlers running at once; 8
	Queue   int // messages waiting for a worker; 256
	// ClaimTTL is how long an answered message's id is remembered; at least
	// 10 minutes (shorter values are raised), 15 minutes by default. DingTalk
	// has been seen redelivering about a minute after a late ack.
	ClaimTTL time.Duration
	// ClaimTimeout bounds one call to the Claimer, so a person whose message
	// meets a dead Redis hears back within seconds; 3 s.
	ClaimTimeout time.Duration
	// Timeout bounds handling one message, reply included; 30 s.
	Timeout time.Duration
	Metrics Metrics      // nil: none
	Logger  *slog.Logger // nil: discard
	Now     func() time.Time
}

// minClaimTTL is the shortest dedupe window; see Options.ClaimTTL.
const minClaimTTL = 10 * time.Minute

// Dispatcher runs a Handler for each submitted message on a bounded pool of
// workers, answering each message id once. It is safe for concurrent use.
type Dispatcher struct {
	handler Handler
	claims  Claimer
	opt     Options
	log     *slog.Logger

	queue chan job
	base  context.Context // handlers' parent; cancelled when Shutdown gives up
	abort context.CancelFunc

	mu      sync.Mutex
	closed  bool
	pending sync.WaitGroup // accepted messages not yet finished
	stop    chan struct{}  // closed when the workers may exit
	stopped sync.Once
}

type job struct {
	m        Message
	h        Handler
	reply    ReplyFunc
	received time.Time
}

// NewDispatcher starts the workers that run h. claims may be nil, which turns
// dedupe off (tests, and adapters whose platform never redelivers).
func NewDispatcher(h Handler, claims Claimer, o Options) *Dispatcher {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Queue <= 0 {
		o.Queue = 256
	}
	if o.ClaimTTL == 0 {
		o.ClaimTTL = 15 * time.Minute
	}
	if o.ClaimTTL < minClaimTTL {
		o.ClaimTTL = minClaimTTL
	}
	if o.ClaimTimeout <= 0 {
		o.ClaimTimeout = 3 * time.Second
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base, abort := context.WithCancel(context.Background())
	d := &Dispatcher{
		handler: h,
		claims:  claims,
		opt:     o,
		log:     log,
		queue:   make(chan job, o.Queue),
		base:    base,
		abort:   abort,
		stop:    make(chan struct{}),
	}
	for range o.Workers {
		go d.work()
	}
	return d
}

// Submit queues m for the Dispatcher's Handler; reply posts the answer. It
// returns as soon as m is queued, waiting only while the queue is full (then
// until ctx ends). After Shutdown it returns ErrClosed and m is not handled.
func (d *Dispatcher) Submit(ctx context.Context, m Message, reply ReplyFunc) error {
	return d.SubmitWith(ctx, m, nil, reply)
}

// SubmitWith is Submit with another Handler for this one message (nil: the
// Dispatcher's), so an adapter can decline a conversation it does not serve
// with the same dedupe, queueing and shutdown as every other message.
func (d *Dispatcher) SubmitWith(ctx context.Context, m Message, h Handler, reply ReplyFunc) error {
	if reply == nil {
		return errors.New("bot: submit: nil reply func")
	}
	if h == nil {
		h = d.handler
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return ErrClosed
	}
	// Counted under mu, so Shutdown's Wait never races an Add.
	d.pending.Add(1)
	d.mu.Unlock()

	if d.opt.Metrics != nil {
		d.opt.Metrics.MessageReceived()
	}
	j := job{m: m, h: h, reply: reply, received: d.opt.Now()}
	select {
	case d.queue <- j:
		return nil
	default:
	}
	d.log.Warn("bot: queue full, waiting", "msg", m.ID)
	select {
	case d.queue <- j:
		return nil
	case <-ctx.Done():
		d.pending.Done()
		return fmt.Errorf("bot: submit %s: %w", m.ID, ctx.Err())
	}
}

// Shutdown stops taking messages and waits until every accepted message has
// been handled and answered, or until ctx ends; then it cancels the work still
// running and returns ctx's error. It may be called more than once.
func (d *Dispatcher) Shutdown(ctx context.Context) error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()

	done := make(chan struct{})
	go func() {
		d.pending.Wait()
		d.stopped.Do(func() { close(d.stop) })
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		// Whatever is still queued now fails fast: replies see a cancelled
		// context, and their claims are released for a redelivery.
		d.abort()
		return fmt.Errorf("bot: shutdown: %w", ctx.Err())
	}
}

func (d *Dispatcher) work() {
	for {
		select {
		case j := <-d.queue:
			d.process(j)
			d.pending.Done()
		case <-d.stop:
			return
		}
	}
}

// process answers one message. It never panics.
func (d *Dispatcher) process(j job) {
	ctx, cancel := context.WithTimeout(d.base, d.opt.Timeout)
	defer cancel()
	log := d.log.With("msg", j.m.ID, "conversation", j.m.Conversation)

	key := "msg:" + j.m.ID
	claimed := false
	if d.claims != nil && j.m.ID != "" {
		cctx, ccancel := context.WithTimeout(ctx, d.opt.ClaimTimeout)
		ok, err := d.claims.Claim(cctx, key, d.opt.ClaimTTL)
		ccancel()
		if err != nil {
			// Without the store the command could not run anyway; say so
			// now rather than leave the person waiting.
			log.Error("bot: claim message", "err", err)
			if err := d.send(ctx, j, Reply{Markdown: TextStoreDown}); err != nil {
				log.Error("bot: reply store-down notice", "err", err)
			}
			return
		}
		if !ok {
			log.Info("bot: duplicate message dropped")
			if d.opt.Metrics != nil {
				d.opt.Metrics.MessageDeduplicated()
			}
			return
		}
		claimed = true
	}

	var r Reply
	if j.m.Text == "" {
		r = Reply{Markdown: TextNoText}
	} else {
		r = d.handle(ctx, log, j)
	}
	if isZero(r) {
		return
	}
	err := d.send(ctx, j, r)
	if err == nil {
		return
	}
	log.Error("bot: reply", "err", err)
	if claimed && !errors.Is(err, ErrPartialReply) {
		// The person saw nothing: let a redelivery be answered. ctx may be
		// spent, so the release gets its own short deadline.
		rctx, rcancel := context.WithTimeout(context.WithoutCancel(ctx), d.opt.ClaimTimeout)
		defer rcancel()
		if err := d.claims.Release(rctx, key); err != nil {
			log.Error("bot: release claim", "err", err)
		}
	}
}

// handle runs the Handler, turning a panic into TextInternal.
func (d *Dispatcher) handle(ctx context.Context, log *slog.Logger, j job) (r Reply) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("bot: handler panicked", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			r = Reply{Markdown: TextInternal}
		}
	}()
	return j.h.Handle(ctx, j.m)
}

// send calls the ReplyFunc, turning a panic into an error.
func (d *Dispatcher) send(ctx context.Context, j job, r Reply) (err error) {
	defer func() {
		if p := recover(); p != nil {
			d.log.Error("bot: reply func panicked", "msg", j.m.ID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			err = fmt.Errorf("bot: reply %s: panic: %v", j.m.ID, p)
		}
	}()
	if err := j.reply(ctx, r); err != nil {
		return fmt.Errorf("bot: reply %s: %w", j.m.ID, err)
	}
	if d.opt.Metrics != nil {
		d.opt.Metrics.ReplyObserved(d.opt.Now().Sub(j.received))
	}
	return nil
}

func isZero(r Reply) bool {
	return r.Title == "" && r.Markdown == "" && len(r.Mentions) == 0 && r.Link == nil
}
