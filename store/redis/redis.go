package redis

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/redis/go-redis/v9"

	"xuexibot/store"
)

// Store is the Redis backend. It is safe for concurrent use, also by several
// processes sharing one Redis.
type Store struct {
	c   redis.UniversalClient
	k   keys
	now func() time.Time
	log *slog.Logger

	names store.NameCache
	// loadedGen is the names generation last loaded into names, so Resolve
	// can fetch the name list in its second round trip when it is stale.
	genMu     sync.Mutex
	loadedGen int64
	loaded    bool
}

var _ store.Backend = (*Store)(nil)

// DefaultPrefix is the key prefix when none is given.
const DefaultPrefix = "xuexibot"

// Timeouts Open sets when the URL does not: short, so that a command gets
// an answer (an error) within seconds while Redis is away.
const (
	dialTimeout = 2 * time.Second
	ioTimeout   = 2 * time.Second
)

// maxTries bounds the optimistic retries of one write.
const maxTries = 200

type options struct {
	prefix string
	now    func() time.Time
	log    *slog.Logger
}

// Option configures a Store.
type Option func(*options)

// WithPrefix sets the key prefix (default "xuexibot"). It becomes the hash
// tag of every key, so it may not contain '{' or '}'.
func WithPrefix(p string) Option { return func(o *options) { o.prefix = p } }

// WithNow sets the clock (default time.Now); it times changes and claims of
// the outbox whose caller gives no time.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// Open connects to the Redis a URL names and pings it:
//
//	redis://[user:pass@]host:port/db        one server (rediss:// for TLS)
//	redis://host:port?addr=host2:port2&...  a Cluster, seeded from these nodes
//	redis://host:port?master_name=mymaster&addr=...  Sentinel
//
// Query parameters set client options as go-redis documents (dial_timeout,
// read_timeout, ...). Timeouts not given are 2 s, with one retry.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Parse errors quote the URL, password included.
		return nil, errors.New("redis: open: cannot parse the URL")
	}
	q := u.Query()
	var c redis.UniversalClient
	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis: open: %w", redactURL(err, u))
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries = timeouts(o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries)
		o.ContextTimeoutEnabled = true
		c = redis.NewFailoverClient(o)
	case q.Has("addr"):
		o, err := redis.ParseClusterURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis: open: %w", redactURL(err, u))
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, _ = timeouts(o.DialTimeout, o.ReadTimeout, o.WriteTimeout, 0)
		o.ContextTimeoutEnabled = true
		c = redis.NewClusterClient(o)
	default:
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redis: open: %w", redactURL(err, u))
		}
		o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries = timeouts(o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.MaxRetries)
		if o.DialerRetries == 0 {
			o.DialerRetries = 1
		}
		o.ContextTimeoutEnabled = true
		c = redis.NewClient(o)
	}
	s, err := NewFromClient(ctx, c, "", opts...)
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func timeouts(dial, read, write time.Duration, retries int) (time.Duration, time.Duration, time.Duration, int) {
	if dial == 0 {
		dial = dialTimeout
	}
	if read == 0 {
		read = ioTimeout
	}
	if write == 0 {
		write = ioTimeout
	}
	if retries == 0 {
		retries = 1
	}
	return dial, read, write, retries
}

// redactURL keeps a password out of an error message.
func redactURL(err error, u *url.URL) error {
	if p, ok := u.User.Password(); ok && p != "" {
		return errors.New(strings.ReplaceAll(err.Error(), p, "xxxxx"))
	}
	return err
}

// NewFromClient wraps a client the caller built (a Cluster or Sentinel
// client with options of its own) and pings it. prefix "" means the
// prefix of WithPrefix, else DefaultPrefix. Close closes the client.
func NewFromClient(ctx context.Context, c redis.UniversalClient, prefix string, opts ...Option) (*Store, error) {
	o := options{prefix: DefaultPrefix, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if prefix != "" {
		o.prefix = prefix
	}
	if o.prefix == "" || strings.ContainsAny(o.prefix, "{}") {
		return nil, fmt.Errorf("redis: open: key prefix %q must be non-empty and hold no braces", o.prefix)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	if o.now == nil {
		o.now = time.Now
	}
	s := &Store{c: c, k: keys{tag: "{" + o.prefix + "}"}, now: o.now, log: o.log}
	if err := s.Ping(ctx); err != nil {
		return nil, fmt.Errorf("redis: open: %w", err)
	}
	return s, nil
}

// Client returns the underlying client, for tests and health checks.
func (s *Store) Client() redis.UniversalClient { return s.c }

// Ping checks that Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.c.Ping(ctx).Err(); err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// Close closes the client.
func (s *Store) Close() error { return s.c.Close() }

// keys builds every key of one registry; see the package comment.
type keys struct{ tag string }

func (k keys) org(id string) string      { return k.tag + ":org:" + id }
func (k keys) names() string             { return k.tag + ":names" }
func (k keys) namesGen() string          { return k.tag + ":names:gen" }
func (k keys) byName() string            { return k.tag + ":byname" }
func (k keys) counters() string          { return k.tag + ":counters" }
func (k keys) index(name string) string  { return k.tag + ":ix:" + name }
func (k keys) milestones() string        { return k.tag + ":milestones" }
func (k keys) audit() string             { return k.tag + ":audit" }
func (k keys) auditOrg(id string) string { return k.tag + ":audit:" + id }
func (k keys) claim(key string) string   { return k.tag + ":claim:" + key }
func (k keys) outMsg() string            { return k.tag + ":out:msg" }
func (k keys) outMeta() string           { return k.tag + ":out:meta" }
func (k keys) outDue() string            { return k.tag + ":out:due" }
func (k keys) seedLock() string          { return k.tag + ":seedlock" }

// errUnavailable is what a person reads while Redis is away.
var errUnavailable = &store.Error{Code: store.EUnavailable, Message: "数据存储暂时连不上，请稍后再试；如持续出现请联系运维。"}

// fail wraps err with the operation, and marks it unavailable when Redis
// could not be reached, so people get a Chinese message and operators the
// detail.
func (s *Store) fail(op string, err error) error {
	if unavailable(err) {
		return fmt.Errorf("redis: %s: %w: %w", op, errUnavailable, err)
	}
	return fmt.Errorf("redis: %s: %w", op, err)
}

// unavailable reports whether err means Redis could not be reached or
// cannot serve right now (loading, failing over), rather than a bug.
func unavailable(err error) bool {
	var ne net.Error
	switch {
	case err == nil:
		return false
	case errors.As(err, &ne), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, context.DeadlineExceeded), errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, redis.ErrClosed):
		return true
	}
	msg := err.Error()
	for _, p := range []string{"LOADING", "CLUSTERDOWN", "MASTERDOWN", "READONLY", "TRYAGAIN", "connection refused", "i/o timeout", "failed to dial"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// optimistic runs fn, which WATCHes keys and ends in a MULTI/EXEC, again
// while a concurrent writer makes EXEC fail, up to maxTries, with a jittered
// back-off that grows a little with each try.
func (s *Store) optimistic(ctx context.Context, fn func(tx *redis.Tx) error, keys ...string) error {
	for try := 0; ; try++ {
		err := s.c.Watch(ctx, fn, keys...)
		if !errors.Is(err, redis.TxFailedErr) {
			return err
		}
		if try+1 >= maxTries {
			s.log.Warn("redis: optimistic write gave up", "tries", maxTries, "keys", keys)
			return fmt.Errorf("gave up after %d concurrent-write conflicts: %w", maxTries, err)
		}
		backoff := time.Duration(rand.Int64N(int64(time.Millisecond) * int64(min(1+try, 20))))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// userError carries an error of fn (or a validation error) through
// optimistic unchanged, so it is returned as is and not wrapped as Redis's.
type userError struct{ err error }

func (e userError) Error() string { return e.err.Error() }
func (e userError) Unwrap() error { return e.err }
