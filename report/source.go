package report

import (
	"context"
	"time"

	"xuexibot/store"
)

// Source is what a report reads: a subset of store.Registry.
type Source interface {
	Milestones(ctx context.Context) ([]store.Milestone, error)
	Counters(ctx context.Context) (store.Counters, error)
	Orgs(ctx context.Context, q store.Query) ([]store.Org, error)
	// Latest, not Changes: a summary wants the newest few accepted changes,
	// and reading the whole window (100,000 after an import) to keep 200
	// would make its cost follow the window.
	Latest(ctx context.Context, since time.Time, limit int, withRefused bool) ([]store.Change, error)
}

// Limits of a summary.
const (
	// TopN is how many schools each end of the 红黑榜 names before ties.
	TopN = 10
	// MaxTied caps a ranking list that grows through ties, so a list where
	// most schools tie stays readable and bounded.
	MaxTied = 40
	// MaxChanges is how many accepted changes a summary keeps: the newest
	// of the window. A summary reads one more to know whether there are
	// more, never the whole window.
	MaxChanges = 200
	// ShownChanges is how many of them Markdown prints, newest first.
	ShownChanges = 20
)
