package store

import (
	"sync"

	"xuexibot/store/names"
)

// Resolution is the answer to a name query.
type Resolution struct {
	Query string
	// Matches are the candidates, best first. Empty when nothing matched.
	Matches []names.Match
	// Org is set when the query names exactly one org: a single candidate,
	// or an exact name or alias match.
	Org *Org
	// Nearest are the closest names when nothing matched, for "did you mean".
	Nearest []names.Match
}

// Pick returns the match that stands for the whole query, if one does: the
// only candidate, or a candidate that matched exactly by name or alias.
func Pick(ms []names.Match) (names.Match, bool) {
	if len(ms) == 1 {
		return ms[0], true
	}
	if len(ms) > 1 && ms[0].Kind <= names.Alias && ms[1].Kind > names.Alias {
		return ms[0], true
	}
	return names.Match{}, false
}

// EntryOf is an org's names as the index needs them.
func EntryOf(o Org) names.Entry {
	return names.Entry{ID: o.ID, Name: o.Name, Aliases: o.Aliases, Level: o.Level, Order: o.Order}
}

// NameCache holds a names.Index for a backend and rebuilds it when the
// backend's names generation moves (another replica renamed an org).
type NameCache struct {
	mu  sync.Mutex
	gen int64
	ix  *names.Index
}

// Get returns the index for generation gen, calling load to rebuild it when
// gen differs from the cached one.
func (c *NameCache) Get(gen int64, load func() ([]names.Entry, error)) (*names.Index, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ix != nil && c.gen == gen {
		return c.ix, nil
	}
	entries, err := load()
	if err != nil {
		return nil, err
	}
	c.ix, c.gen = names.New(entries), gen
	return c.ix, nil
}
