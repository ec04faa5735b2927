package names_test

import (
	"testing"

	"xuexibot/store"
	"xuexibot/store/names"
)

// TestNoticeResolves checks what store.DefaultSeed relies on: each of the
// 31 names the 2019-03-07 notice lists picks exactly one of Hunan's 124
// universities, a different one each, of the category the notice gives.
func TestNoticeResolves(t *testing.T) {
	entries := names.HunanEntries(t)
	if len(entries) != 124 {
		t.Fatalf("read %d universities, want 124", len(entries))
	}
	cats := names.Categories(t)
	ix := names.New(entries)
	listed := names.NoticeNames(t)
	if len(listed) != 31 {
		t.Fatalf("read %d notice names, want 31", len(listed))
	}
	// The notice shortens one name; every other name is written in full.
	official := map[string]string{"湖南吉利汽车职业学院": "湖南吉利汽车职业技术学院"}
	seen := map[string]string{}
	for _, l := range listed {
		written, cat := l[0], l[1]
		ms := ix.Lookup(written, 5)
		m, ok := store.Pick(ms)
		if !ok {
			t.Errorf("%s: no single university: %v", written, ms)
			continue
		}
		want := written
		if o, ok := official[written]; ok {
			want = o
		}
		if m.Name != want {
			t.Errorf("%s: picked %s (%v), want %s", written, m.Name, m.Kind, want)
		}
		if cats[m.Name] != cat {
			t.Errorf("%s: picked %s of category %s, the notice says %s", written, m.Name, cats[m.Name], cat)
		}
		if prev, dup := seen[m.ID]; dup {
			t.Errorf("%s and %s both pick %s", prev, written, m.Name)
		}
		seen[m.ID] = written
	}
}

// TestDefaultSeed checks the store's seed, which fails unless every notice
// name resolves through this package.
func TestDefaultSeed(t *testing.T) {
	s, err := store.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	lagging := 0
	for _, o := range s.Orgs {
		if o.Level == store.LevelUniversity && !o.Done(store.MilestoneCertify) {
			lagging++
		}
	}
	if lagging != 31 {
		t.Errorf("%d universities lag, want 31", lagging)
	}
}
