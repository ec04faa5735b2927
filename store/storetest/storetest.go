package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"xuexibot/store"
)

// Open returns a fresh, empty backend; the caller registers its cleanup
// with t.Cleanup.
type Open func(t *testing.T) store.Backend

// Run runs the conformance suite, one subtest per behaviour, each on a
// backend of its own from open.
func Run(t *testing.T, open func(t *testing.T) store.Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, open Open)
	}{
		{"Seed", testSeed},
		{"Orgs", testOrgs},
		{"Org", testOrg},
		{"Resolve", testResolve},
		{"Update", testUpdate},
		{"UpdateRename", testUpdateRename},
		{"UpdateConcurrent", testUpdateConcurrent},
		{"Put", testPut},
		{"SetMilestone", testSetMilestone},
		{"Refuse", testRefuse},
		{"History", testHistory},
		{"Changes", testChanges},
		{"Latest", testLatest},
		{"Claims", testClaims},
		{"ClaimTTL", testClaimTTL},
		{"Outbox", testOutbox},
		{"Ping", testPing},
		{"Mixed", testMixed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open) })
	}
}

// The notice's names the suite relies on.
const (
	police      = "湖南警察学院"    // listed by the notice as not certified
	oldName     = "湖南商学院"     // renamed 2019-06-10 ...
	newName     = "湖南工商大学"    // ... to this, an alias in the seed
	ambiguous   = "师范"        // a fragment of many names
	nonsense    = "火星外星人航天大学" // names nothing
	seedOrgs    = 126
	seedPending = 31
)

var (
	ctx    = context.Background()
	tester = store.Actor{ID: "staff-0001", Nick: "测试员"}
)

// defaultSeed is store.DefaultSeed or a fatal error.
func defaultSeed(t testing.TB) store.Seed {
	t.Helper()
	s, err := store.DefaultSeed()
	if err != nil {
		t.Fatalf("DefaultSeed: %v", err)
	}
	return s
}

// seeded opens a backend and loads the notice's seed into it.
func seeded(t *testing.T, open Open) (store.Backend, store.Seed) {
	t.Helper()
	b := open(t)
	s := defaultSeed(t)
	ok, err := b.Seed(ctx, s)
	if err != nil || !ok {
		t.Fatalf("Seed = %v, %v; want true, nil", ok, err)
	}
	return b, s
}

// byName returns the seed org with name n.
func byName(t testing.TB, s store.Seed, n string) store.Org {
	t.Helper()
	for _, o := range s.Orgs {
		if o.Name == n {
			return o
		}
	}
	t.Fatalf("seed has no org named %s", n)
	return store.Org{}
}

// all lists every org of b.
func all(t testing.TB, b store.Backend) []store.Org {
	t.Helper()
	orgs, err := b.Orgs(ctx, store.Query{Index: store.IndexAll})
	if err != nil {
		t.Fatalf("Orgs(all): %v", err)
	}
	return orgs
}

func milestones(t testing.TB, b store.Backend) []store.Milestone {
	t.Helper()
	ms, err := b.Milestones(ctx)
	if err != nil {
		t.Fatalf("Milestones: %v", err)
	}
	return ms
}

// checkCounters compares b's kept counters with a recount of all its orgs.
func checkCounters(t testing.TB, b store.Backend, when string) {
	t.Helper()
	got, err := b.Counters(ctx)
	if err != nil {
		t.Errorf("%s: Counters: %v", when, err)
		return
	}
	want := store.Recount(all(t, b), milestones(t, b))
	if d := got.Sub(want); len(d) > 0 {
		t.Errorf("%s: Counters differ from Recount by %v", when, d)
	}
}

// checkIndexes compares every index of b with what store.Indexes computes
// from all its orgs: members, their order (score, then id) and Count.
func checkIndexes(t testing.TB, b store.Backend, when string) {
	t.Helper()
	orgs := all(t, b)
	ms := milestones(t, b)
	type member struct {
		id    string
		score float64
	}
	want := map[string][]member{store.IndexAll: nil, store.IndexScope: nil, store.IndexRank: nil}
	for _, m := range ms {
		want[store.IndexPending(m.ID)] = nil
	}
	for _, o := range orgs {
		for ix, score := range store.Indexes(o, ms) {
			want[ix] = append(want[ix], member{o.ID, score})
		}
	}
	for ix, members := range want {
		sort.Slice(members, func(i, j int) bool {
			if members[i].score != members[j].score {
				return members[i].score < members[j].score
			}
			return members[i].id < members[j].id
		})
		var wantIDs []string
		for _, m := range members {
			wantIDs = append(wantIDs, m.id)
		}
		got, err := b.Orgs(ctx, store.Query{Index: ix})
		if err != nil {
			t.Errorf("%s: Orgs(%s): %v", when, ix, err)
			continue
		}
		if gotIDs := ids(got); !slices.Equal(gotIDs, wantIDs) {
			t.Errorf("%s: index %s holds %d orgs %v\nwant %d %v", when, ix, len(gotIDs), head(gotIDs), len(wantIDs), head(wantIDs))
		}
		desc, err := b.Orgs(ctx, store.Query{Index: ix, Desc: true})
		if err != nil {
			t.Errorf("%s: Orgs(%s, desc): %v", when, ix, err)
			continue
		}
		rev := slices.Clone(wantIDs)
		slices.Reverse(rev)
		if gotIDs := ids(desc); !slices.Equal(gotIDs, rev) {
			t.Errorf("%s: index %s descending = %v, want %v", when, ix, head(gotIDs), head(rev))
		}
		if n, err := b.Count(ctx, ix); err != nil || n != len(wantIDs) {
			t.Errorf("%s: Count(%s) = %d, %v; want %d", when, ix, n, err, len(wantIDs))
		}
	}
}

func ids(orgs []store.Org) []string {
	out := make([]string, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, o.ID)
	}
	return out
}

// head shortens a long list for a failure message.
func head(s []string) []string {
	if len(s) > 12 {
		return append(slices.Clone(s[:12]), "…")
	}
	return s
}

// sameOrg compares two orgs as their JSON, which is how backends store
// them; times compare by instant and offset, not by *time.Location.
func sameOrg(a, b store.Org) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

// history returns every change of org id, newest first.
func history(t testing.TB, b store.Backend, id string) []store.Change {
	t.Helper()
	var out []store.Change
	cursor := ""
	for range 10000 {
		page, next, err := b.History(ctx, id, cursor, 100)
		if err != nil {
			t.Fatalf("History(%s): %v", id, err)
		}
		out = append(out, page...)
		if next == "" {
			return out
		}
		cursor = next
	}
	t.Fatalf("History(%s) does not end", id)
	return nil
}

// setProgress sets o's progress on ms; the seed leaves Progress nil for
// the schools the notice lists.
func setProgress(o *store.Org, ms string, p store.Progress) {
	if o.Progress == nil {
		o.Progress = map[string]store.Progress{}
	}
	o.Progress[ms] = p
}

func field(c store.Change, name string) (store.FieldChange, bool) {
	for _, f := range c.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return store.FieldChange{}, false
}

func testSeed(t *testing.T, open Open) {
	b := open(t)
	if n, err := b.Count(ctx, store.IndexAll); err != nil || n != 0 {
		t.Errorf("empty backend: Count(all) = %d, %v; want 0", n, err)
	}
	s := defaultSeed(t)
	ok, err := b.Seed(ctx, s)
	if err != nil || !ok {
		t.Fatalf("Seed = %v, %v; want true, nil", ok, err)
	}
	if n, err := b.Count(ctx, store.IndexAll); err != nil || n != seedOrgs {
		t.Errorf("Count(all) = %d, %v; want %d", n, err, seedOrgs)
	}
	if n, err := b.Count(ctx, store.IndexScope); err != nil || n != 124 {
		t.Errorf("Count(scope) = %d, %v; want 124", n, err)
	}
	ms := milestones(t, b)
	if len(ms) != 2 || ms[0].ID != store.MilestoneInstall || ms[1].ID != store.MilestoneCertify {
		t.Errorf("Milestones = %+v; want install, certify", ms)
	}
	for i, m := range ms {
		if i < len(s.Milestones) && (!m.Due.Equal(s.Milestones[i].Due) || m.Title != s.Milestones[i].Title || m.Level != s.Milestones[i].Level) {
			t.Errorf("Milestone %s = %+v; want %+v", m.ID, m, s.Milestones[i])
		}
	}
	var lagging []string
	for _, o := range s.Orgs {
		if o.Level == store.LevelUniversity && !o.Done(store.MilestoneCertify) {
			lagging = append(lagging, o.ID)
		}
	}
	if len(lagging) != seedPending {
		t.Errorf("DefaultSeed has %d schools pending certify; want %d", len(lagging), seedPending)
	}
	pending, err := b.Orgs(ctx, store.Query{Index: store.IndexPending(store.MilestoneCertify)})
	if err != nil {
		t.Errorf("Orgs(pending certify): %v", err)
	}
	got := ids(pending)
	slices.Sort(got)
	slices.Sort(lagging)
	if !slices.Equal(got, lagging) {
		t.Errorf("pending certify = %v; want the notice's %v", got, lagging)
	}
	if n, err := b.Count(ctx, store.IndexPending(store.MilestoneCertify)); err != nil || n != seedPending {
		t.Errorf("Count(pending certify) = %d, %v; want %d", n, err, seedPending)
	}
	stored := all(t, b)
	if len(stored) == len(s.Orgs) {
		for i := range stored {
			if !sameOrg(stored[i], s.Orgs[i]) {
				t.Errorf("org %d stored as %+v; want %+v", i, stored[i], s.Orgs[i])
			}
		}
	} else {
		t.Errorf("Orgs(all) returned %d; want %d", len(stored), len(s.Orgs))
	}
	got2, err := b.Counters(ctx)
	if err != nil {
		t.Errorf("Counters: %v", err)
	} else if d := got2.Sub(store.Recount(s.Orgs, s.Milestones)); len(d) > 0 {
		t.Errorf("Counters after Seed differ from Recount by %v", d)
	}
	if got2[store.KeyDone(store.MilestoneCertify, store.Undergraduate)] == 0 {
		t.Errorf("Counters after Seed count no 本科 certified: %v", got2)
	}
	checkIndexes(t, b, "after Seed")

	// A second seed, even a different one, must not touch the data.
	other := defaultSeed(t)
	other.Orgs = append(other.Orgs, store.Org{ID: "x-extra", Name: "额外学院", Level: store.LevelUniversity, Category: store.Undergraduate, InScope: true, Order: 9999})
	other.Orgs[2].Members = 777
	ok, err = b.Seed(ctx, other)
	if err != nil || ok {
		t.Errorf("second Seed = %v, %v; want false, nil", ok, err)
	}
	if n, _ := b.Count(ctx, store.IndexAll); n != seedOrgs {
		t.Errorf("after second Seed: Count(all) = %d; want %d", n, seedOrgs)
	}
	if o, err := b.Org(ctx, other.Orgs[2].ID); err != nil || o.Members == 777 {
		t.Errorf("second Seed overwrote %s: %+v, %v", other.Orgs[2].ID, o, err)
	}
	if _, err := b.Org(ctx, "x-extra"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second Seed added an org: Org(x-extra) err = %v", err)
	}
}

func testOrgs(t *testing.T, open Open) {
	b, s := seeded(t, open)
	want := ids(s.Orgs) // the seed is in Order
	got, err := b.Orgs(ctx, store.Query{})
	if err != nil || !slices.Equal(ids(got), want) {
		t.Errorf("Orgs(empty query) = %v, %v; want IndexAll in Order", head(ids(got)), err)
	}
	page, err := b.Orgs(ctx, store.Query{Index: store.IndexAll, Offset: 5, Limit: 3})
	if err != nil || !slices.Equal(ids(page), want[5:8]) {
		t.Errorf("Orgs(offset 5, limit 3) = %v, %v; want %v", ids(page), err, want[5:8])
	}
	rev := slices.Clone(want)
	slices.Reverse(rev)
	page, err = b.Orgs(ctx, store.Query{Index: store.IndexAll, Offset: 1, Limit: 2, Desc: true})
	if err != nil || !slices.Equal(ids(page), rev[1:3]) {
		t.Errorf("Orgs(desc, offset 1, limit 2) = %v, %v; want %v", ids(page), err, rev[1:3])
	}
	page, err = b.Orgs(ctx, store.Query{Index: store.IndexAll, Offset: 1000})
	if err != nil || len(page) != 0 {
		t.Errorf("Orgs(offset past end) = %v, %v; want none", ids(page), err)
	}
	top, err := b.Orgs(ctx, store.Query{Index: store.IndexRank, Limit: 10, Desc: true})
	if err != nil || len(top) != 10 {
		t.Fatalf("Orgs(rank, desc, 10) = %d, %v", len(top), err)
	}
	if !top[0].Done(store.MilestoneCertify) {
		t.Errorf("top of the rank has not certified: %s", top[0].Name)
	}
	bottom, err := b.Orgs(ctx, store.Query{Index: store.IndexRank, Limit: 10})
	if err != nil || len(bottom) != 10 {
		t.Fatalf("Orgs(rank, 10) = %d, %v", len(bottom), err)
	}
	if bottom[0].Done(store.MilestoneCertify) {
		t.Errorf("bottom of the rank has certified: %s", bottom[0].Name)
	}
	if n, err := b.Count(ctx, "no-such-index"); err != nil || n != 0 {
		t.Errorf("Count(unknown index) = %d, %v; want 0, nil", n, err)
	}
}

func testOrg(t *testing.T, open Open) {
	b, s := seeded(t, open)
	want := byName(t, s, police)
	got, err := b.Org(ctx, want.ID)
	if err != nil || !sameOrg(got, want) {
		t.Errorf("Org(%s) = %+v, %v; want %+v", want.ID, got, err, want)
	}
	_, err = b.Org(ctx, "no-such-org")
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Org(no-such-org) err = %v; want ErrNotFound", err)
	}
	if _, err := b.Update(ctx, "no-such-org", store.Meta{Actor: tester}, func(o *store.Org) error { o.Members++; return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Update(no-such-org) err = %v; want ErrNotFound", err)
	}
}

func testResolve(t *testing.T, open Open) {
	b, s := seeded(t, open)
	cases := []struct {
		query, want string // want "" means no single org
	}{
		{police, police},     // exact
		{" 湖南警察学院 ", police}, // spaces fold away
		{newName, oldName},   // alias after the 2019 rename
		{"警察学院", police},     // fragment
		{"jcxy", police},     // pinyin initials
		{"hunanjingchaxueyuan", police},
	}
	for _, c := range cases {
		r, err := b.Resolve(ctx, c.query)
		if err != nil {
			t.Errorf("Resolve(%q): %v", c.query, err)
			continue
		}
		want := byName(t, s, c.want)
		if r.Org == nil || r.Org.ID != want.ID {
			t.Errorf("Resolve(%q).Org = %v; want %s (matches %+v)", c.query, r.Org, c.want, r.Matches)
			continue
		}
		if !sameOrg(*r.Org, want) {
			t.Errorf("Resolve(%q).Org = %+v; want the stored org %+v", c.query, *r.Org, want)
		}
		if len(r.Matches) == 0 || r.Matches[0].ID != want.ID {
			t.Errorf("Resolve(%q).Matches = %+v; want %s first", c.query, r.Matches, c.want)
		}
	}
	r, err := b.Resolve(ctx, ambiguous)
	if err != nil || r.Org != nil || len(r.Matches) < 2 {
		t.Errorf("Resolve(%q) = org %v, %d matches, %v; want no org and several matches", ambiguous, r.Org, len(r.Matches), err)
	}
	r, err = b.Resolve(ctx, nonsense)
	if err != nil || r.Org != nil || len(r.Matches) != 0 || len(r.Nearest) == 0 {
		t.Errorf("Resolve(%q) = org %v, matches %+v, nearest %+v, %v; want only Nearest", nonsense, r.Org, r.Matches, r.Nearest, err)
	}
	if r.Query != nonsense {
		t.Errorf("Resolve(%q).Query = %q", nonsense, r.Query)
	}
}

func testUpdate(t *testing.T, open Open) {
	b, s := seeded(t, open)
	target := byName(t, s, police)
	since := time.Now().Add(-time.Minute)
	before, err := b.Changes(ctx, since, 0)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	countersBefore, _ := b.Counters(ctx)

	// fn fails: nothing is written.
	boom := errors.New("boom")
	_, err = b.Update(ctx, target.ID, store.Meta{Actor: tester, Command: "/set"}, func(o *store.Org) error {
		o.Members = 999
		setProgress(o, store.MilestoneCertify, store.Progress{Done: true})
		return boom
	})
	if !errors.Is(err, boom) {
		t.Errorf("Update with failing fn err = %v; want boom", err)
	}
	if got, _ := b.Org(ctx, target.ID); !sameOrg(got, target) {
		t.Errorf("failing fn wrote %+v", got)
	}

	// fn changes nothing: nothing is written or audited.
	got, err := b.Update(ctx, target.ID, store.Meta{Actor: tester, Command: "/noop"}, func(o *store.Org) error { return nil })
	if err != nil || !sameOrg(got, target) {
		t.Errorf("no-op Update = %+v, %v; want the org unchanged", got, err)
	}
	if after, _ := b.Changes(ctx, since, 0); len(after) != len(before) {
		t.Errorf("failing and no-op Updates added %d changes; want 0", len(after)-len(before))
	}
	if c, _ := b.Counters(ctx); !c.Equal(countersBefore) {
		t.Errorf("failing and no-op Updates moved Counters by %v", c.Sub(countersBefore))
	}

	// A real change: numbers and the certify milestone.
	at := time.Date(2019, 3, 9, 15, 4, 5, 0, store.Shanghai())
	meta := store.Meta{Actor: tester, Command: "/done 湖南警察学院 认证 党员 120/150", At: at}
	got, err = b.Update(ctx, target.ID, meta, func(o *store.Org) error {
		o.Members, o.MembersActivated = 150, 120
		setProgress(o, store.MilestoneCertify, store.Progress{Done: true, At: at, By: tester})
		return nil
	})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got.Members != 150 || got.MembersActivated != 120 || !got.Done(store.MilestoneCertify) {
		t.Errorf("Update returned %+v; want the changed org", got)
	}
	stored, err := b.Org(ctx, target.ID)
	if err != nil || !sameOrg(stored, got) {
		t.Errorf("Org after Update = %+v, %v; want what Update returned %+v", stored, err, got)
	}
	if stored.UpdatedBy != tester || !stored.UpdatedAt.Equal(at) {
		t.Errorf("Org after Update: UpdatedBy %v at %v; want %v at %v", stored.UpdatedBy, stored.UpdatedAt, tester, at)
	}
	if stored.ID != target.ID || stored.Order != target.Order || stored.Name != target.Name {
		t.Errorf("Update changed identity: %+v", stored)
	}
	checkCounters(t, b, "after Update")
	if n, _ := b.Count(ctx, store.IndexPending(store.MilestoneCertify)); n != seedPending-1 {
		t.Errorf("Count(pending certify) after marking done = %d; want %d", n, seedPending-1)
	}
	pending, _ := b.Orgs(ctx, store.Query{Index: store.IndexPending(store.MilestoneCertify)})
	if slices.Contains(ids(pending), target.ID) {
		t.Errorf("%s still pending certify after marking done", police)
	}
	checkIndexes(t, b, "after Update")

	h := history(t, b, target.ID)
	if len(h) != 1 {
		t.Fatalf("History after one Update holds %d changes; want 1: %+v", len(h), h)
	}
	c := h[0]
	if c.ID == "" || c.Actor != tester || c.Command != meta.Command || c.OrgID != target.ID || c.OrgName != police || c.Refused || !c.At.Equal(at) {
		t.Errorf("Change = %+v; want id, actor %v, command %q, org %s, at %v", c, tester, meta.Command, target.ID, at)
	}
	ms := milestones(t, b)
	if !slices.Equal(c.Fields, store.Diff(target, stored, ms)) {
		t.Errorf("Change.Fields = %+v; want %+v", c.Fields, store.Diff(target, stored, ms))
	}
	if f, ok := field(c, store.FieldMembers); !ok || f.Before != "0" || f.After != "150" {
		t.Errorf("Change.Fields %s = %+v; want 0 -> 150", store.FieldMembers, f)
	}
	if f, ok := field(c, ms[1].Title); !ok || f.Before != "未完成" {
		t.Errorf("Change.Fields %s = %+v; want 未完成 -> 已完成", ms[1].Title, f)
	}
	if after, _ := b.Changes(ctx, time.Time{}, 0); len(after) == 0 || after[len(after)-1].ID != c.ID {
		t.Errorf("Changes does not end with the Update's change %s", c.ID)
	}

	// The ID and Order cannot be changed: the backend refuses with EInvalid.
	_, err = b.Update(ctx, target.ID, store.Meta{Actor: tester}, func(o *store.Org) error {
		o.ID, o.Order = "stolen-id", 99999
		return nil
	})
	if store.ErrorCode(err) != store.EInvalid {
		t.Errorf("Update changing ID and Order: err %v, want %s", err, store.EInvalid)
	}
	// A result that store.Validate refuses is not written either.
	hist, _, _ := b.History(ctx, target.ID, "", 100)
	_, err = b.Update(ctx, target.ID, store.Meta{Actor: tester}, func(o *store.Org) error {
		o.Members, o.Name = -1, ""
		return nil
	})
	if store.ErrorCode(err) != store.EInvalid {
		t.Errorf("Update to a negative count and no name: err %v, want %s", err, store.EInvalid)
	}
	if o, _ := b.Org(ctx, target.ID); o.Members < 0 || o.Name == "" {
		t.Errorf("an invalid Update was written: %+v", o)
	}
	if h, _, _ := b.History(ctx, target.ID, "", 100); len(h) != len(hist) {
		t.Errorf("an invalid Update was audited: %d changes, want %d", len(h), len(hist))
	}
	if _, err2 := b.Org(ctx, "stolen-id"); !errors.Is(err2, store.ErrNotFound) {
		t.Errorf("Update changed the ID (err %v): Org(stolen-id) err = %v", err, err2)
	}
	if o, err2 := b.Org(ctx, target.ID); err2 != nil || o.Order != target.Order {
		t.Errorf("Update changed the Order (err %v): %+v, %v", err, o, err2)
	}
	checkIndexes(t, b, "after changing ID and Order")
}

func testUpdateRename(t *testing.T, open Open) {
	b, s := seeded(t, open)
	target := byName(t, s, police)
	// Resolve once first, so a cached name index exists and must be refreshed.
	if r, err := b.Resolve(ctx, police); err != nil || r.Org == nil {
		t.Errorf("Resolve(%s) before rename = %+v, %v", police, r, err)
	}
	const renamed = "湖南警官大学"
	if _, err := b.Update(ctx, target.ID, store.Meta{Actor: tester, Command: "/set 学校名称"}, func(o *store.Org) error {
		o.Aliases = append(o.Aliases, o.Name)
		o.Name = renamed
		return nil
	}); err != nil {
		t.Fatalf("Update rename: %v", err)
	}
	r, err := b.Resolve(ctx, renamed)
	if err != nil || r.Org == nil || r.Org.ID != target.ID || r.Org.Name != renamed {
		t.Errorf("Resolve(%s) after rename = %+v, %v; want %s", renamed, r, err, target.ID)
	}
	r, err = b.Resolve(ctx, police)
	if err != nil || r.Org == nil || r.Org.ID != target.ID {
		t.Errorf("Resolve(old name %s, now an alias) = %+v, %v; want %s", police, r, err, target.ID)
	}
	h := history(t, b, target.ID)
	if len(h) != 1 {
		t.Fatalf("History after rename = %d changes; want 1", len(h))
	}
	if f, ok := field(h[0], store.FieldName); !ok || f.Before != police || f.After != renamed {
		t.Errorf("rename Change fields = %+v", h[0].Fields)
	}
	if h[0].OrgName != renamed {
		t.Errorf("rename Change.OrgName = %q; want the new name %q", h[0].OrgName, renamed)
	}
}

func testUpdateConcurrent(t *testing.T, open Open) {
	b, s := seeded(t, open)
	target := byName(t, s, police)
	const workers, each = 16, 20
	start := time.Now().Add(-time.Second)
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			actor := store.Actor{ID: "staff-" + strconv.Itoa(w), Nick: "并发" + strconv.Itoa(w)}
			for i := range each {
				_, err := b.Update(ctx, target.ID, store.Meta{Actor: actor, Command: fmt.Sprintf("/set %d %d", w, i)}, func(o *store.Org) error {
					o.MembersActivated++
					o.Members += 2
					setProgress(o, store.MilestoneInstall, store.Progress{Done: !o.Done(store.MilestoneInstall), By: actor})
					return nil
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent Update: %v", err)
	}
	o, err := b.Org(ctx, target.ID)
	if err != nil {
		t.Fatalf("Org: %v", err)
	}
	if o.MembersActivated != target.MembersActivated+workers*each || o.Members != target.Members+2*workers*each {
		t.Errorf("after %d concurrent increments: activated %d, members %d; want %d, %d (updates lost)",
			workers*each, o.MembersActivated, o.Members, target.MembersActivated+workers*each, target.Members+2*workers*each)
	}
	// An even number of toggles leaves install as it was.
	if o.Done(store.MilestoneInstall) != target.Done(store.MilestoneInstall) {
		t.Errorf("install toggled %d times ends %v; want %v", workers*each, o.Done(store.MilestoneInstall), target.Done(store.MilestoneInstall))
	}
	checkCounters(t, b, "after concurrent Updates")
	checkIndexes(t, b, "after concurrent Updates")
	changes, err := b.Changes(ctx, start, 0)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	seen := map[string]bool{}
	n := 0
	for _, c := range changes {
		if c.OrgID == target.ID {
			n++
		}
		if seen[c.ID] {
			t.Errorf("change id %s appears twice", c.ID)
		}
		seen[c.ID] = true
	}
	if n != workers*each {
		t.Errorf("audit holds %d changes of %s; want %d", n, target.ID, workers*each)
	}
	if h := history(t, b, target.ID); len(h) != workers*each {
		t.Errorf("History holds %d changes; want %d", len(h), workers*each)
	}
}

// newUniversity is a valid org the seed lacks.
func newUniversity(id, name string, order int) store.Org {
	return store.Org{
		ID: id, Name: name, Level: store.LevelUniversity, Parent: store.IDCommittee, Order: order,
		Category: store.Vocational, City: "长沙市", InScope: true, Members: 40, MembersActivated: 10,
		Branches: 4, BranchesCovered: 1,
	}
}

func testPut(t *testing.T, open Open) {
	b, s := seeded(t, open)
	meta := store.Meta{Actor: tester, Command: "import 高校.xlsx"}
	fresh := newUniversity("9000000001", "湖南测试职业学院", 500)
	changed := byName(t, s, police).Clone()
	changed.Members, changed.MembersActivated = 300, 280
	setProgress(&changed, store.MilestoneInstall, store.Progress{Done: true, By: tester})
	same := byName(t, s, oldName)

	bad := []struct {
		why string
		org store.Org
	}{
		{"empty id", store.Org{Name: "无标识学院", Level: store.LevelUniversity, Category: store.Undergraduate}},
		{"empty name", store.Org{ID: "9000000002", Level: store.LevelUniversity, Category: store.Undergraduate}},
		{"bad category", store.Org{ID: "9000000003", Name: "错类学院", Level: store.LevelUniversity, Category: "大专"}},
	}
	countersBefore, _ := b.Counters(ctx)
	changesBefore, _ := b.Changes(ctx, time.Time{}, 0)
	for _, c := range bad {
		err := b.Put(ctx, meta, []store.Org{fresh, changed, c.org})
		var se *store.Error
		if !errors.As(err, &se) || se.Code != store.EInvalid || se.Message == "" {
			t.Errorf("Put with %s: err = %v; want *store.Error %s with a message", c.why, err, store.EInvalid)
		}
	}
	if _, err := b.Org(ctx, fresh.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a rejected Put created %s: err %v", fresh.ID, err)
	}
	if o, _ := b.Org(ctx, changed.ID); o.Members == 300 {
		t.Errorf("a rejected Put replaced %s", changed.ID)
	}
	if c, _ := b.Counters(ctx); !c.Equal(countersBefore) {
		t.Errorf("a rejected Put moved Counters by %v", c.Sub(countersBefore))
	}
	if after, _ := b.Changes(ctx, time.Time{}, 0); len(after) != len(changesBefore) {
		t.Errorf("a rejected Put added %d changes", len(after)-len(changesBefore))
	}

	if err := b.Put(ctx, meta, []store.Org{fresh, changed, same}); err != nil {
		t.Fatalf("Put: %v", err)
	}
	for _, want := range []store.Org{fresh, changed, same} {
		got, err := b.Org(ctx, want.ID)
		if err != nil || got.Name != want.Name || got.Members != want.Members || got.MembersActivated != want.MembersActivated || got.Done(store.MilestoneInstall) != want.Done(store.MilestoneInstall) {
			t.Errorf("after Put: Org(%s) = %+v, %v; want %+v", want.ID, got, err, want)
		}
	}
	after, _ := b.Changes(ctx, time.Time{}, 0)
	added := after[min(len(changesBefore), len(after)):]
	var who []string
	for _, c := range added {
		who = append(who, c.OrgID)
		if c.Actor != tester || c.Command != meta.Command {
			t.Errorf("Put change %+v; want actor %v and command %q", c, tester, meta.Command)
		}
	}
	slices.Sort(who)
	want := []string{fresh.ID, changed.ID}
	slices.Sort(want)
	if !slices.Equal(who, want) {
		t.Errorf("Put audited orgs %v; want one change each for %v (the unchanged one not at all)", who, want)
	}
	if h := history(t, b, fresh.ID); len(h) != 1 {
		t.Errorf("History of the created org = %d changes; want 1", len(h))
	} else if f, ok := field(h[0], store.FieldName); !ok || f.After != fresh.Name {
		t.Errorf("creation change fields = %+v; want the name", h[0].Fields)
	}
	if n, _ := b.Count(ctx, store.IndexAll); n != seedOrgs+1 {
		t.Errorf("Count(all) after Put = %d; want %d", n, seedOrgs+1)
	}
	checkCounters(t, b, "after Put")
	checkIndexes(t, b, "after Put")

	// The new org is found by name.
	if r, err := b.Resolve(ctx, fresh.Name); err != nil || r.Org == nil || r.Org.ID != fresh.ID {
		t.Errorf("Resolve(%s) after Put = %+v, %v", fresh.Name, r, err)
	}
	// Putting the same batch again changes and audits nothing.
	if err := b.Put(ctx, meta, []store.Org{fresh, changed, same}); err != nil {
		t.Errorf("Put again: %v", err)
	}
	if again, _ := b.Changes(ctx, time.Time{}, 0); len(again) != len(after) {
		t.Errorf("an identical Put added %d changes; want 0", len(again)-len(after))
	}
	if err := b.Put(ctx, meta, nil); err != nil {
		t.Errorf("Put(nil) = %v", err)
	}
}

func testSetMilestone(t *testing.T, open Open) {
	b, _ := seeded(t, open)
	ms := milestones(t, b)
	m := ms[1]
	m.Due = time.Date(2019, 3, 20, 23, 59, 59, 0, store.Shanghai())
	m.Title = "完成上下级认证（延期）"
	meta := store.Meta{Actor: tester, Command: "/deadline 认证 3月20日"}
	before, _ := b.Changes(ctx, time.Time{}, 0)
	if err := b.SetMilestone(ctx, meta, m); err != nil {
		t.Fatalf("SetMilestone: %v", err)
	}
	got := milestones(t, b)
	if len(got) != 2 || !got[1].Due.Equal(m.Due) || got[1].Title != m.Title || got[0].ID != store.MilestoneInstall {
		t.Errorf("Milestones after SetMilestone = %+v; want certify due %v", got, m.Due)
	}
	after, _ := b.Changes(ctx, time.Time{}, 0)
	if len(after) != len(before)+1 {
		t.Fatalf("SetMilestone added %d changes; want 1", len(after)-len(before))
	}
	c := after[len(after)-1]
	if c.Actor != tester || c.Command != meta.Command || c.OrgID != "" || len(c.Fields) == 0 {
		t.Errorf("SetMilestone change = %+v; want actor, command, no org, fields", c)
	}
	// The due field names its milestone (store.MilestoneDiff): 「title」截止时间.
	if _, ok := field(c, "「"+m.Title+"」"+store.FieldDue); !ok {
		t.Errorf("SetMilestone change fields %+v lack 「%s」%s", c.Fields, m.Title, store.FieldDue)
	}
	err := b.SetMilestone(ctx, meta, store.Milestone{ID: "no-such-milestone", Title: "x"})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetMilestone(unknown) err = %v; want ErrNotFound", err)
	}
	if got := milestones(t, b); len(got) != 2 {
		t.Errorf("SetMilestone(unknown) added a milestone: %+v", got)
	}
	checkCounters(t, b, "after SetMilestone")
}

func testRefuse(t *testing.T, open Open) {
	b, s := seeded(t, open)
	target := byName(t, s, police)
	countersBefore, _ := b.Counters(ctx)
	c := store.Change{Actor: tester, Command: "/done 湖南警察学院 认证", OrgID: target.ID, OrgName: target.Name, Reason: "不是管理员"}
	if err := b.Refuse(ctx, c); err != nil {
		t.Fatalf("Refuse: %v", err)
	}
	h := history(t, b, target.ID)
	if len(h) != 1 || !h[0].Refused || h[0].Reason != c.Reason || h[0].Actor != tester || h[0].Command != c.Command || h[0].ID == "" || h[0].At.IsZero() {
		t.Errorf("History after Refuse = %+v; want one refused change with id and time", h)
	}
	if o, _ := b.Org(ctx, target.ID); !sameOrg(o, target) {
		t.Errorf("Refuse changed the org: %+v", o)
	}
	if got, _ := b.Counters(ctx); !got.Equal(countersBefore) {
		t.Errorf("Refuse moved Counters by %v", got.Sub(countersBefore))
	}
	// A refusal about no org is kept in the global log.
	if err := b.Refuse(ctx, store.Change{Actor: tester, Command: "/deadline", Reason: "无权限"}); err != nil {
		t.Errorf("Refuse without org: %v", err)
	}
	all, _ := b.Changes(ctx, time.Time{}, 0)
	if len(all) < 2 || !all[len(all)-1].Refused || all[len(all)-1].OrgID != "" {
		t.Errorf("Changes after two refusals end with %+v", all[max(0, len(all)-2):])
	}
}

func testHistory(t *testing.T, open Open) {
	b, s := seeded(t, open)
	target := byName(t, s, oldName)
	other := byName(t, s, police)
	for i := 1; i <= 7; i++ {
		if _, err := b.Update(ctx, target.ID, store.Meta{Actor: tester, Command: "/set " + strconv.Itoa(i)}, func(o *store.Org) error {
			o.Branches = i
			return nil
		}); err != nil {
			t.Fatalf("Update %d: %v", i, err)
		}
		// Changes of another org interleave and must not show up.
		if _, err := b.Update(ctx, other.ID, store.Meta{Actor: tester}, func(o *store.Org) error {
			o.Branches = 100 + i
			return nil
		}); err != nil {
			t.Fatalf("Update other %d: %v", i, err)
		}
	}
	var got []string
	cursor := ""
	for page := 1; ; page++ {
		changes, next, err := b.History(ctx, target.ID, cursor, 3)
		if err != nil {
			t.Fatalf("History page %d: %v", page, err)
		}
		wantLen := []int{3, 3, 1}[min(page, 3)-1]
		if len(changes) != wantLen {
			t.Errorf("History page %d has %d changes; want %d", page, len(changes), wantLen)
		}
		for _, c := range changes {
			if c.OrgID != target.ID {
				t.Errorf("History(%s) holds a change of %s", target.ID, c.OrgID)
			}
			got = append(got, c.Command)
		}
		if page == 3 && next != "" {
			t.Errorf("History page 3 next = %q; want \"\"", next)
		}
		if page < 3 && next == "" {
			t.Errorf("History page %d next = \"\"; want a cursor", page)
		}
		if next == "" || page >= 3 {
			break
		}
		cursor = next
	}
	want := []string{"/set 7", "/set 6", "/set 5", "/set 4", "/set 3", "/set 2", "/set 1"}
	if !slices.Equal(got, want) {
		t.Errorf("History newest first = %v; want %v", got, want)
	}
	if changes, next, err := b.History(ctx, "no-such-org", "", 10); err != nil || len(changes) != 0 || next != "" {
		t.Errorf("History(unknown) = %v, %q, %v; want empty", changes, next, err)
	}
}

func testChanges(t *testing.T, open Open) {
	b, s := seeded(t, open)
	target := byName(t, s, oldName)
	start, err := b.Changes(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	for i := range 3 {
		if _, err := b.Update(ctx, target.ID, store.Meta{Actor: tester, Command: "/set " + strconv.Itoa(i)}, func(o *store.Org) error {
			o.Members = 10 + i
			return nil
		}); err != nil {
			t.Fatalf("Update: %v", err)
		}
		// The suite cannot set a backend's clock; a pause makes the three
		// changes' times differ even at a millisecond resolution.
		time.Sleep(5 * time.Millisecond)
	}
	h := history(t, b, target.ID)
	if len(h) != 3 {
		t.Fatalf("History = %d changes; want 3", len(h))
	}
	second := h[1]
	got, err := b.Changes(ctx, second.At, 0)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	var cmds []string
	for _, c := range got {
		cmds = append(cmds, c.Command)
		if c.At.Before(second.At) {
			t.Errorf("Changes(since %v) holds %+v from before", second.At, c)
		}
	}
	if !slices.Equal(cmds, []string{"/set 1", "/set 2"}) {
		t.Errorf("Changes(since the 2nd) = %v; want /set 1, /set 2 oldest first", cmds)
	}
	if len(got) == 2 && got[0].ID >= got[1].ID {
		t.Errorf("Changes ids %s, %s; want increasing", got[0].ID, got[1].ID)
	}
	got, err = b.Changes(ctx, time.Time{}, len(start)+2)
	if err != nil || len(got) != len(start)+2 || got[len(got)-1].Command != "/set 1" {
		t.Errorf("Changes(all, limit %d) = %d changes, %v; want the oldest ones up to /set 1", len(start)+2, len(got), err)
	}
	if got, err := b.Changes(ctx, time.Now().Add(24*time.Hour), 0); err != nil || len(got) != 0 {
		t.Errorf("Changes(tomorrow) = %+v, %v; want none", got, err)
	}
}

// latestSkipped is how many refusals testLatest records after its last
// change: more than a backend that reads in batches of 64 takes at once,
// so Latest without refusals must read past a whole batch of them.
const latestSkipped = 70

func testLatest(t *testing.T, open Open) {
	b, s := seeded(t, open)
	targets := []store.Org{byName(t, s, oldName), byName(t, s, police)}
	// Before the window: changes and refusals Latest(since) must leave out.
	for i := range 6 {
		o := targets[i%2]
		if i%3 == 2 {
			if err := b.Refuse(ctx, store.Change{Actor: tester, Command: fmt.Sprintf("/old refused %d", i), OrgID: o.ID, Reason: "不是管理员"}); err != nil {
				t.Fatalf("Refuse: %v", err)
			}
			continue
		}
		if _, err := b.Update(ctx, o.ID, store.Meta{Actor: tester, Command: fmt.Sprintf("/old %d", i)}, func(o *store.Org) error {
			o.Members = 500 + i
			return nil
		}); err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	// The suite cannot set a backend's clock; a pause puts the window's
	// changes after the ones above even at a millisecond resolution.
	time.Sleep(5 * time.Millisecond)
	// In the window, newest last: changes with refusals interleaved (some
	// about no org), then a run of refusals at the newest end.
	var window []string // commands, oldest first
	refused := map[string]bool{}
	for i := range 40 {
		o := targets[i%2]
		cmd := fmt.Sprintf("/set %d", i)
		if i == 0 {
			// A change whose text quotes a refusal's JSON is no refusal.
			cmd = `/set 0 "refused":true`
		}
		switch {
		case i%3 == 2:
			cmd = fmt.Sprintf("/refused %d", i)
			c := store.Change{Actor: tester, Command: cmd, OrgID: o.ID, At: time.Now(), Reason: "不是管理员"}
			if i%2 == 0 {
				c.OrgID = ""
			}
			if err := b.Refuse(ctx, c); err != nil {
				t.Fatalf("Refuse: %v", err)
			}
			refused[cmd] = true
		default:
			if _, err := b.Update(ctx, o.ID, store.Meta{Actor: tester, Command: cmd, At: time.Now()}, func(o *store.Org) error {
				o.Members = 1000 + i
				return nil
			}); err != nil {
				t.Fatalf("Update: %v", err)
			}
		}
		window = append(window, cmd)
	}
	for i := range latestSkipped {
		cmd := fmt.Sprintf("/late refused %d", i)
		if err := b.Refuse(ctx, store.Change{Actor: tester, Command: cmd, OrgID: targets[0].ID, Reason: "不是管理员"}); err != nil {
			t.Fatalf("Refuse: %v", err)
		}
		window = append(window, cmd)
		refused[cmd] = true
	}
	// The window starts at the first change in it, inclusively.
	everything, err := b.Changes(ctx, time.Time{}, 0)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	idx := slices.IndexFunc(everything, func(c store.Change) bool { return c.Command == window[0] })
	if idx < 0 {
		t.Fatalf("Changes holds no %s", window[0])
	}
	since := everything[idx].At

	// want is what Latest should return: the window newest first, per the
	// test's own record, and per Changes reversed.
	want := func(withRefused bool) []string {
		var out []string
		for _, cmd := range slices.Backward(window) {
			if withRefused || !refused[cmd] {
				out = append(out, cmd)
			}
		}
		return out
	}
	fromChanges := func(since time.Time, withRefused bool) []store.Change {
		all, err := b.Changes(ctx, since, 0)
		if err != nil {
			t.Fatalf("Changes: %v", err)
		}
		var out []store.Change
		for _, c := range slices.Backward(all) {
			if withRefused || !c.Refused {
				out = append(out, c)
			}
		}
		return out
	}
	commands := func(cs []store.Change) []string {
		out := make([]string, len(cs))
		for i, c := range cs {
			out[i] = c.Command
		}
		return out
	}
	for _, withRefused := range []bool{false, true} {
		full := want(withRefused)
		if got := commands(fromChanges(since, withRefused)); !slices.Equal(got, full) {
			t.Fatalf("Changes(since) reversed, refused %v = %v; want %v", withRefused, head(got), head(full))
		}
		for _, limit := range []int{1, 2, 5, 26, 27, 64, 65, 110, 111, 1000} {
			got, err := b.Latest(ctx, since, limit, withRefused)
			if err != nil {
				t.Errorf("Latest(since, %d, %v): %v", limit, withRefused, err)
				continue
			}
			wantN := full[:min(limit, len(full))]
			if cmds := commands(got); !slices.Equal(cmds, wantN) {
				t.Errorf("Latest(since, %d, %v) = %d changes %v; want %d, newest first: %v", limit, withRefused, len(got), head(cmds), len(wantN), head(wantN))
				continue
			}
			for i, c := range got {
				if c.At.Before(since) || c.ID == "" || (c.Refused && !withRefused) {
					t.Errorf("Latest(since, %d, %v)[%d] = %+v; want an id, no earlier than %v, refused only if asked", limit, withRefused, i, c, since)
				}
				if i > 0 && c.ID >= got[i-1].ID {
					t.Errorf("Latest(since, %d, %v) ids %s then %s; want decreasing", limit, withRefused, got[i-1].ID, c.ID)
				}
			}
		}
	}
	// Without a lower bound Latest reaches back past the window and the
	// seed's changes, agreeing with Changes throughout.
	for _, withRefused := range []bool{false, true} {
		wantAll := fromChanges(time.Time{}, withRefused)
		got, err := b.Latest(ctx, time.Time{}, len(everything)+10, withRefused)
		if err != nil || !slices.EqualFunc(got, wantAll, func(a, b store.Change) bool { return a.ID == b.ID && a.Command == b.Command }) {
			t.Errorf("Latest(ever, all, %v) = %d changes %v, %v; want %d: %v", withRefused, len(got), head(commands(got)), err, len(wantAll), head(commands(wantAll)))
		}
		if !slices.ContainsFunc(got, func(c store.Change) bool { return c.Command == "/old 0" }) {
			t.Errorf("Latest(ever, all, %v) lacks /old 0 from before the window", withRefused)
		}
	}
	if got, err := b.Latest(ctx, time.Now().Add(24*time.Hour), 10, true); err != nil || len(got) != 0 {
		t.Errorf("Latest(tomorrow) = %+v, %v; want none", got, err)
	}
	for _, limit := range []int{0, -1} {
		if got, err := b.Latest(ctx, since, limit, true); store.ErrorCode(err) != store.EInvalid || got != nil {
			t.Errorf("Latest(limit %d) = %d changes, %v; want a store.EInvalid error", limit, len(got), err)
		}
	}
}

func testClaims(t *testing.T, open Open) {
	b := open(t)
	const racers = 20
	var wins sync.WaitGroup
	results := make(chan bool, racers)
	for range racers {
		wins.Add(1)
		go func() {
			defer wins.Done()
			ok, err := b.Claim(ctx, "msg:abc", time.Minute)
			if err != nil {
				t.Errorf("Claim: %v", err)
			}
			results <- ok
		}()
	}
	wins.Wait()
	close(results)
	n := 0
	for ok := range results {
		if ok {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d of %d concurrent claimers won; want exactly 1", n, racers)
	}
	if ok, err := b.Claim(ctx, "msg:other", time.Minute); err != nil || !ok {
		t.Errorf("Claim(other key) = %v, %v; want true", ok, err)
	}
	if err := b.Release(ctx, "msg:abc"); err != nil {
		t.Errorf("Release: %v", err)
	}
	if ok, err := b.Claim(ctx, "msg:abc", time.Minute); err != nil || !ok {
		t.Errorf("Claim after Release = %v, %v; want true", ok, err)
	}
	if ok, err := b.Claim(ctx, "msg:abc", time.Minute); err != nil || ok {
		t.Errorf("Claim of a held key = %v, %v; want false", ok, err)
	}
	if err := b.Release(ctx, "never-claimed"); err != nil {
		t.Errorf("Release(never claimed) = %v; want nil", err)
	}
}

func testClaimTTL(t *testing.T, open Open) {
	b := open(t)
	const ttl = 1500 * time.Millisecond
	start := time.Now()
	if ok, err := b.Claim(ctx, "tick:weekly:1552000000", ttl); err != nil || !ok {
		t.Fatalf("Claim = %v, %v; want true", ok, err)
	}
	if ok, err := b.Claim(ctx, "tick:weekly:1552000000", ttl); err != nil || (ok && time.Since(start) < ttl) {
		t.Errorf("second Claim within ttl = %v, %v; want false", ok, err)
	}
	// Poll until the claim lapses; this checks that it does, not how fast.
	deadline := start.Add(ttl + 10*time.Second)
	for {
		ok, err := b.Claim(ctx, "tick:weekly:1552000000", ttl)
		if err != nil {
			t.Fatalf("Claim: %v", err)
		}
		if ok {
			if time.Since(start) < ttl-100*time.Millisecond {
				t.Errorf("claim lapsed after %v; ttl was %v", time.Since(start), ttl)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("claim with ttl %v still held after %v", ttl, time.Since(start))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func testOutbox(t *testing.T, open Open) {
	b := open(t)
	now := time.Date(2019, 3, 8, 9, 0, 0, 0, store.Shanghai())
	tick1 := now.Add(-time.Hour)
	msg := func(id, job string, tick time.Time) store.OutMsg {
		return store.OutMsg{ID: id, Job: job, Tick: tick, To: "group", Title: "提醒", Markdown: "### 提醒 " + id, Mentions: []string{"staff-1"}, Created: now}
	}
	if err := b.Enqueue(ctx, msg("a1", "daily", tick1), msg("a2", "daily", tick1), msg("b1", "weekly", tick1)); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	if n, err := b.Depth(ctx); err != nil || n != 3 {
		t.Errorf("Depth = %d, %v; want 3", n, err)
	}
	leased, err := b.Lease(ctx, now, time.Minute, 10)
	if err != nil || len(leased) != 3 {
		t.Fatalf("Lease = %d msgs, %v; want 3", len(leased), err)
	}
	for _, m := range leased {
		if !m.NextTry.Equal(now.Add(time.Minute)) {
			t.Errorf("leased %s NextTry = %v; want now+lease %v", m.ID, m.NextTry, now.Add(time.Minute))
		}
		if m.ID == "a1" && (m.Markdown != "### 提醒 a1" || m.To != "group" || !slices.Equal(m.Mentions, []string{"staff-1"}) || !m.Tick.Equal(tick1)) {
			t.Errorf("leased a1 = %+v; want what was enqueued", m)
		}
	}
	if again, err := b.Lease(ctx, now.Add(30*time.Second), time.Minute, 10); err != nil || len(again) != 0 {
		t.Errorf("second Lease within the lease = %d msgs, %v; want 0", len(again), err)
	}
	// The sender died: after the lease the messages are leasable again.
	later := now.Add(2 * time.Minute)
	if again, err := b.Lease(ctx, later, time.Minute, 2); err != nil || len(again) != 2 {
		t.Errorf("Lease after the lease expired (limit 2) = %d msgs, %v; want 2", len(again), err)
	}
	if err := b.Retry(ctx, "a1", later.Add(10*time.Minute), "429 too many"); err != nil {
		t.Errorf("Retry: %v", err)
	}
	if err := b.Done(ctx, "a2"); err != nil {
		t.Errorf("Done: %v", err)
	}
	if err := b.Done(ctx, "a2"); err != nil {
		t.Errorf("Done twice: %v", err)
	}
	if err := b.Done(ctx, "never-enqueued"); err != nil {
		t.Errorf("Done(missing): %v", err)
	}
	if n, _ := b.Depth(ctx); n != 2 {
		t.Errorf("Depth after Done = %d; want 2", n)
	}
	got, err := b.Lease(ctx, later.Add(5*time.Minute), time.Hour, 10)
	if err != nil || len(got) != 1 || got[0].ID != "b1" {
		t.Errorf("Lease before a1's retry time = %+v, %v; want only b1", got, err)
	}
	got, err = b.Lease(ctx, later.Add(10*time.Minute), time.Minute, 10)
	if err != nil || len(got) != 1 || got[0].ID != "a1" || got[0].LastErr != "429 too many" {
		t.Errorf("Lease at a1's retry time = %+v, %v; want a1 with its error", got, err)
	}
	// A newer tick of daily supersedes the pending older one.
	if err := b.Enqueue(ctx, msg("a3", "daily", now)); err != nil {
		t.Fatalf("Enqueue newer tick: %v", err)
	}
	if n, _ := b.Depth(ctx); n != 2 {
		t.Errorf("Depth after a newer tick = %d; want 2 (b1 and a3)", n)
	}
	got, err = b.Lease(ctx, now.Add(3*time.Hour), time.Minute, 10)
	var gotIDs []string
	for _, m := range got {
		gotIDs = append(gotIDs, m.ID)
	}
	slices.Sort(gotIDs)
	if err != nil || !slices.Equal(gotIDs, []string{"a3", "b1"}) {
		t.Errorf("Lease after a newer tick = %v, %v; want a3 and b1", gotIDs, err)
	}
	for _, id := range []string{"a3", "b1"} {
		if err := b.Done(ctx, id); err != nil {
			t.Errorf("Done(%s): %v", id, err)
		}
	}
	if n, _ := b.Depth(ctx); n != 0 {
		t.Errorf("Depth at the end = %d; want 0", n)
	}
}

func testPing(t *testing.T, open Open) {
	b := open(t)
	if err := b.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// testMixed runs a deterministic stream of mixed writes and then checks the
// kept aggregates and indexes against a recount from scratch.
func testMixed(t *testing.T, open Open) {
	b, s := seeded(t, open)
	rng := rand.New(rand.NewPCG(2019, 3))
	var uni []string
	for _, o := range s.Orgs {
		if o.Level == store.LevelUniversity {
			uni = append(uni, o.ID)
		}
	}
	msIDs := []string{store.MilestoneInstall, store.MilestoneCertify}
	for i := range 150 {
		id := uni[rng.IntN(len(uni))]
		meta := store.Meta{Actor: tester, Command: "mixed " + strconv.Itoa(i)}
		var err error
		switch op := rng.IntN(7); op {
		case 0, 1:
			_, err = b.Update(ctx, id, meta, func(o *store.Org) error {
				ms := msIDs[rng.IntN(2)]
				setProgress(o, ms, store.Progress{Done: !o.Done(ms), By: tester})
				return nil
			})
		case 2:
			_, err = b.Update(ctx, id, meta, func(o *store.Org) error {
				o.Members = rng.IntN(500)
				o.MembersActivated = rng.IntN(o.Members + 1)
				o.Branches = rng.IntN(30)
				o.BranchesCovered = rng.IntN(o.Branches + 1)
				return nil
			})
		case 3:
			_, err = b.Update(ctx, id, meta, func(o *store.Org) error {
				o.InScope = !o.InScope
				return nil
			})
		case 4:
			_, err = b.Update(ctx, id, meta, func(o *store.Org) error {
				o.Category = store.Categories()[rng.IntN(len(store.Categories()))]
				return nil
			})
		case 5:
			n := 9100000000 + i
			o := newUniversity(strconv.Itoa(n), "湖南混合测试学院"+strconv.Itoa(i), 1000+i)
			o.Category = store.Categories()[i%3]
			err = b.Put(ctx, meta, []store.Org{o})
		case 6:
			err = b.Refuse(ctx, store.Change{Actor: tester, Command: meta.Command, OrgID: id, Reason: "测试"})
		}
		if err != nil {
			t.Fatalf("mixed op %d: %v", i, err)
		}
	}
	checkCounters(t, b, "after mixed writes")
	checkIndexes(t, b, "after mixed writes")
}
