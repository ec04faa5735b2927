package bolt

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"xuexibot/store"
)

// Bucket names.
var (
	bOrgs       = []byte("orgs")
	bNames      = []byte("names")
	bMilestones = []byte("milestones")
	bCounters   = []byte("counters")
	bIndexCount = []byte("ixn")
	bChanges    = []byte("changes")
	bHistory    = []byte("history")
	bOutbox     = []byte("outbox")
	bMeta       = []byte("meta")
	bClaims     = []byte("claims")

	kNamesGen = []byte("namesgen")
)

// Store is the bbolt backend. It is safe for concurrent use.
type Store struct {
	db    *bbolt.DB
	now   func() time.Time
	log   *slog.Logger
	names store.NameCache

	claimN atomic.Uint64 // counts claims, to pace sweeps of expired ones

	msGen   atomic.Uint64 // bumped after every commit that changes milestones
	msCache atomic.Pointer[milestoneCache]
}

var _ store.Backend = (*Store)(nil)

type options struct {
	now         func() time.Time
	log         *slog.Logger
	lockTimeout time.Duration
}

// Option configures Open.
type Option func(*options)

// WithNow sets the clock that stamps changes and expires claims.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger sets the logger; nil discards.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// WithLockTimeout sets how long Open waits for another process to release
// the file (default 1s).
func WithLockTimeout(d time.Duration) Option { return func(o *options) { o.lockTimeout = d } }

// Open opens or creates the store file at path. It fails after the lock
// timeout when another process holds the file.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{now: time.Now, lockTimeout: time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if o.log == nil {
		o.log = slog.New(slog.DiscardHandler)
	}
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout: o.lockTimeout,
		// Reserve address space up front: every growth of the map re-points
		// every node of the writing transaction, which cost loading a
		// 100,000-org seed half its time. It is virtual; the file grows as
		// it is written.
		InitialMmapSize: 1 << 30,
		// Keep the freelist in memory rather than rewrite it on every commit
		// (etcd does the same); Open rebuilds it by scanning the file.
		NoFreelistSync: true,
		FreelistType:   bbolt.FreelistMapType,
	})
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("bolt: open %s: the file is locked by another process (gave up after %v; is another xuexibot running on it?): %w", path, o.lockTimeout, err)
	}
	if err != nil {
		return nil, fmt.Errorf("bolt: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bbolt.Tx) error {
		for _, b := range [][]byte{bOrgs, bNames, bMilestones, bCounters, bIndexCount, bChanges, bHistory, bOutbox, bMeta, bClaims} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("bolt: open %s: create buckets: %w", path, err)
	}
	o.log.Info("bolt store opened", "path", path)
	return &Store{db: db, now: o.now, log: o.log}, nil
}

// Close closes the file.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("bolt: close: %w", err)
	}
	return nil
}

// Ping checks that the file is open and readable.
func (s *Store) Ping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("bolt: ping: %w", err)
	}
	if err := s.db.View(func(tx *bbolt.Tx) error {
		if tx.Bucket(bOrgs) == nil {
			return errors.New("orgs bucket missing")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("bolt: ping: %w", err)
	}
	return nil
}

// be64 encodes v big-endian, so byte order is numeric order.
func be64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// scoreKey encodes a float64 so that byte order is numeric order: flip the
// sign bit of positives, all bits of negatives.
func scoreKey(f float64) []byte {
	u := math.Float64bits(f)
	if u&(1<<63) == 0 {
		u ^= 1 << 63
	} else {
		u = ^u
	}
	return be64(u)
}

// indexKey is the key of id in an index bucket.
func indexKey(score []byte, id string) []byte {
	k := make([]byte, 0, len(score)+len(id))
	return append(append(k, score...), id...)
}

func indexBucket(name string) []byte   { return []byte("ix/" + name) }
func reverseBucket(name string) []byte { return []byte("ixr/" + name) }

// addInt adds d to the int64 at key k of bucket b, deleting it at zero.
func addInt(b *bbolt.Bucket, k []byte, d int64) error {
	var v int64
	if cur := b.Get(k); len(cur) == 8 {
		v = int64(binary.BigEndian.Uint64(cur))
	}
	v += d
	if v == 0 {
		return b.Delete(k)
	}
	return b.Put(k, be64(uint64(v)))
}

func getInt(b *bbolt.Bucket, k []byte) int64 {
	if cur := b.Get(k); len(cur) == 8 {
		return int64(binary.BigEndian.Uint64(cur))
	}
	return 0
}
