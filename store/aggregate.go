package store

import (
	"math"
	"strconv"
)

// Counters are the aggregates a backend keeps current on every write: flat
// named integers, so Redis can HINCRBY them and bolt can add them in one
// transaction. Keys are built by the Key* functions below.
type Counters map[string]int64

// Counter key kinds, per category.
const (
	kindOrgs      = "orgs"      // in-scope universities
	kindBranches  = "branches"  // 党支部数
	kindCovered   = "covered"   // 已覆盖党支部数
	kindMembers   = "members"   // 党员数
	kindActivated = "activated" // 已激活党员数
)

// KeyOrgs counts in-scope universities of category c.
func KeyOrgs(c Category) string { return kindOrgs + "/" + string(c) }

// KeyBranches, KeyCovered, KeyMembers and KeyActivated total the numbers of c.
func KeyBranches(c Category) string  { return kindBranches + "/" + string(c) }
func KeyCovered(c Category) string   { return kindCovered + "/" + string(c) }
func KeyMembers(c Category) string   { return kindMembers + "/" + string(c) }
func KeyActivated(c Category) string { return kindActivated + "/" + string(c) }

// KeyApplies counts the orgs of c that milestone ms applies to; KeyDone those that finished it.
func KeyApplies(ms string, c Category) string { return "applies/" + ms + "/" + string(c) }
func KeyDone(ms string, c Category) string    { return "done/" + ms + "/" + string(c) }

// Contribution is what o adds to the Counters. A backend applies
// Contribution(after).Sub(Contribution(before)) on every write.
func Contribution(o Org, milestones []Milestone) Counters {
	c := Counters{}
	cat := o.Category
	if o.InScope && o.Level == LevelUniversity {
		c[KeyOrgs(cat)] = 1
		c[KeyBranches(cat)] = int64(o.Branches)
		c[KeyCovered(cat)] = int64(o.BranchesCovered)
		c[KeyMembers(cat)] = int64(o.Members)
		c[KeyActivated(cat)] = int64(o.MembersActivated)
	}
	for _, m := range milestones {
		if m.Applies(o) {
			c[KeyApplies(m.ID, cat)]++
			if o.Done(m.ID) {
				c[KeyDone(m.ID, cat)]++
			}
		}
	}
	return c
}

// Sub returns c - d, leaving out zero entries.
func (c Counters) Sub(d Counters) Counters {
	out := Counters{}
	for k, v := range c {
		if v-d[k] != 0 {
			out[k] = v - d[k]
		}
	}
	for k, v := range d {
		if _, ok := c[k]; !ok && v != 0 {
			out[k] = -v
		}
	}
	return out
}

// Add adds d into c.
func (c Counters) Add(d Counters) {
	for k, v := range d {
		c[k] += v
	}
}

// Equal reports whether c and d hold the same non-zero values.
func (c Counters) Equal(d Counters) bool { return len(c.Sub(d)) == 0 }

// Recount computes the Counters from scratch; tests compare it with what a
// backend kept current.
func Recount(orgs []Org, milestones []Milestone) Counters {
	c := Counters{}
	for _, o := range orgs {
		c.Add(Contribution(o, milestones))
	}
	return c
}

// Index names. A backend keeps each index as a set ordered by a score.
const (
	// IndexAll holds every org, scored by Order.
	IndexAll = "all"
	// IndexScope holds in-scope universities, scored by Order.
	IndexScope = "scope"
	// IndexRank holds in-scope universities scored by RankScore, for 红黑榜.
	IndexRank = "rank"
)

// IndexPending names the index of orgs that milestone ms applies to and that
// have not finished it, scored by Order.
func IndexPending(ms string) string { return "pending/" + ms }

// Indexes returns every index o belongs to, with its score there.
func Indexes(o Org, milestones []Milestone) map[string]float64 {
	ix := map[string]float64{IndexAll: float64(o.Order)}
	if o.InScope && o.Level == LevelUniversity {
		ix[IndexScope] = float64(o.Order)
		ix[IndexRank] = RankScore(o, milestones)
	}
	for _, m := range milestones {
		if m.Applies(o) && !o.Done(m.ID) {
			ix[IndexPending(m.ID)] = float64(o.Order)
		}
	}
	return ix
}

// RankScore orders universities for the 红黑榜: first by milestones finished,
// then by 党员激活率. Two milestones more always outrank any rate, since a
// rate is at most 1. Equal scores are ties and are listed together.
func RankScore(o Org, milestones []Milestone) float64 {
	done := 0
	for _, m := range milestones {
		if m.Applies(o) && o.Done(m.ID) {
			done++
		}
	}
	// Round the rate to 0.1% so near-equal rates tie, as people read them.
	return float64(2*done) + math.Round(Rate(o.MembersActivated, o.Members)*1000)/1000
}

// Rate is part/total, 0 when total is 0.
func Rate(part, total int) float64 {
	if total <= 0 {
		return 0
	}
	return float64(part) / float64(total)
}

// Percent renders a rate as 12.3%.
func Percent(r float64) string {
	return strconv.FormatFloat(r*100, 'f', 1, 64) + "%"
}
