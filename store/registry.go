package store

import (
	"context"
	"time"
)

// Registry is the contract every backend fulfils; store/storetest checks it.
// Consumers should declare the few methods they use as their own interface.
//
// All methods are safe for concurrent use, also across processes sharing one
// backend (Redis). Errors wrap ErrNotFound where a thing does not exist;
// any other error is the backend's and means nothing was written.
type Registry interface {
	// Org returns one org by id.
	Org(ctx context.Context, id string) (Org, error)
	// Resolve finds orgs by what a person typed: exact name, alias, fragment,
	// pinyin or its initials. See Resolution.
	Resolve(ctx context.Context, query string) (Resolution, error)
	// Orgs lists the members of an index (IndexAll, IndexScope, IndexRank,
	// IndexPending(ms)) in ascending score order, or descending with Desc.
	Orgs(ctx context.Context, q Query) ([]Org, error)
	// Count returns how many orgs an index holds.
	Count(ctx context.Context, index string) (int, error)
	// Milestones returns the milestones by Order.
	Milestones(ctx context.Context) ([]Milestone, error)
	// Counters returns the aggregates, kept current on every write.
	Counters(ctx context.Context) (Counters, error)

	// Update loads org id, calls fn on a copy and writes the result with its
	// aggregates, indexes and one audit Change, atomically. fn may be called
	// more than once when a concurrent writer wins; it must only change the
	// Org it is given. When fn returns an error nothing is written and that
	// error is returned. When fn changes nothing, nothing is written or
	// audited. The ID and Order of an org cannot be changed.
	Update(ctx context.Context, id string, m Meta, fn func(*Org) error) (Org, error)
	// Put creates or replaces orgs, all or nothing, with one Change per org
	// that differs (import).
	Put(ctx context.Context, m Meta, orgs []Org) error
	// SetMilestone replaces a milestone's title, text or due time, audited.
	// Its id must exist (ErrNotFound).
	SetMilestone(ctx context.Context, m Meta, ms Milestone) error
	// Refuse records an attempt that was refused (no permission, bad input
	// about an org); it changes nothing else. c.ID and c.At may be empty.
	Refuse(ctx context.Context, c Change) error
	// Seed loads s when the registry holds no org and reports whether it did.
	// It never touches a registry that has data.
	Seed(ctx context.Context, s Seed) (bool, error)

	// History returns one org's changes, newest first, at most limit, starting
	// after cursor ("" for the newest); next is "" on the last page.
	History(ctx context.Context, orgID, cursor string, limit int) (changes []Change, next string, err error)
	// Changes returns every change at or after since, oldest first, at most limit.
	Changes(ctx context.Context, since time.Time, limit int) ([]Change, error)
	// Latest returns the newest changes at or after since, newest first, at
	// most limit (which must be positive), leaving refused attempts out
	// unless withRefused. It reads from the newest end and stops once it has
	// limit changes, so its cost follows limit (and any refusals it skips),
	// not the size of the window: /summary and the weekly report use it.
	Latest(ctx context.Context, since time.Time, limit int, withRefused bool) ([]Change, error)

	// Ping checks that the backend answers.
	Ping(ctx context.Context) error
	Close() error
}

// Query selects orgs from an index.
type Query struct {
	Index  string // IndexAll when empty
	Offset int
	Limit  int // 0: no limit
	Desc   bool
}

// Seed is the registry's initial content.
type Seed struct {
	Orgs       []Org
	Milestones []Milestone
}

// Claims gives one replica the right to do a thing once: answer a message
// (key "msg:<msgId>") or run a reminder tick (key "tick:<job>:<unix>").
type Claims interface {
	// Claim reports true to exactly one caller per key until ttl passes.
	Claim(ctx context.Context, key string, ttl time.Duration) (bool, error)
	// Release gives a claim back, so a failed attempt can be retried.
	Release(ctx context.Context, key string) error
}

// OutMsg is a message waiting in the durable outbox.
type OutMsg struct {
	ID       string    `json:"id"`  // unique; the sender uses it as the idempotency key (msgUuid)
	Job      string    `json:"job"` // a newer tick of the same job supersedes this one
	Tick     time.Time `json:"tick"`
	To       string    `json:"to"` // "group", or "user:<staffId>"
	Title    string    `json:"title"`
	Markdown string    `json:"markdown"`
	Mentions []string  `json:"mentions,omitempty"` // staffIds to @
	// LinkTitle and LinkURL, when set, offer a button (the dashboard); the
	// sender posts such a message as an actionCard.
	LinkTitle string `json:"linkTitle,omitempty"`
	LinkURL   string `json:"linkURL,omitempty"`

	Attempts int       `json:"attempts"`
	NextTry  time.Time `json:"nextTry"`
	LastErr  string    `json:"lastErr,omitempty"`
	Created  time.Time `json:"created"`
}

// Outbox holds messages until DingTalk has accepted them.
type Outbox interface {
	// Enqueue stores msgs; pending messages of the same Job with an older
	// Tick are dropped, since a newer digest supersedes them.
	Enqueue(ctx context.Context, msgs ...OutMsg) error
	// Lease returns up to limit messages whose NextTry is at or before now and
	// moves their NextTry to now+lease, so that only one sender holds them;
	// a sender that dies leaves them to be leased again after lease.
	Lease(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]OutMsg, error)
	// Done removes a sent message. Removing a missing one is not an error.
	Done(ctx context.Context, id string) error
	// Retry schedules another attempt at next, recording the error.
	Retry(ctx context.Context, id string, next time.Time, lastErr string) error
	// Depth returns how many messages wait.
	Depth(ctx context.Context) (int, error)
}

// Backend is what main opens: the registry with its claims and outbox.
type Backend interface {
	Registry
	Claims
	Outbox
}
