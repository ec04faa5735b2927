package store_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"xuexibot/store"
	"xuexibot/store/names"
)

// TestDefaultSeed checks the registry the notice describes.
func TestDefaultSeed(t *testing.T) {
	s, err := store.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Orgs) != 126 || len(s.Milestones) != 2 {
		t.Fatalf("seed has %d orgs and %d milestones, want 126 and 2", len(s.Orgs), len(s.Milestones))
	}
	perCat := map[store.Category]int{}
	pendingPerCat := map[store.Category]int{}
	byName := map[string]store.Org{}
	for _, o := range s.Orgs {
		byName[o.Name] = o
		if o.Level != store.LevelUniversity {
			continue
		}
		perCat[o.Category]++
		install, certify := o.Done(store.MilestoneInstall), o.Done(store.MilestoneCertify)
		if install != certify {
			t.Errorf("%s: install %v but certify %v; the notice ties them", o.Name, install, certify)
		}
		if !certify {
			pendingPerCat[o.Category]++
		}
		if o.Parent != store.IDCommittee || !o.InScope || o.ID != o.MOECode {
			t.Errorf("%s: parent %q, in scope %v, id %q, moe %q", o.Name, o.Parent, o.InScope, o.ID, o.MOECode)
		}
	}
	if perCat[store.Undergraduate] != 51 || perCat[store.Junior] != 7 || perCat[store.Vocational] != 66 {
		t.Errorf("universities per category = %v, want 51 本科, 7 高专, 66 高职", perCat)
	}
	if pendingPerCat[store.Undergraduate] != 3 || pendingPerCat[store.Junior] != 1 || pendingPerCat[store.Vocational] != 27 {
		t.Errorf("pending per category = %v, want 3, 1, 27 as in the notice", pendingPerCat)
	}
	if o := byName["湖南警察学院"]; o.Done(store.MilestoneCertify) || o.Category != store.Undergraduate {
		t.Errorf("湖南警察学院 = %+v, want a pending 本科", o)
	}
	// Later names are aliases; the notice's own spelling is kept as one.
	if !slices.Contains(byName["湖南商学院"].Aliases, "湖南工商大学") {
		t.Errorf("湖南商学院 aliases %v lack 湖南工商大学", byName["湖南商学院"].Aliases)
	}
	if !slices.Contains(byName["湖南吉利汽车职业技术学院"].Aliases, "湖南吉利汽车职业学院") {
		t.Errorf("the notice's spelling 湖南吉利汽车职业学院 is not an alias: %v", byName["湖南吉利汽车职业技术学院"].Aliases)
	}
	for _, m := range s.Milestones {
		if h, mi := m.Due.Hour(), m.Due.Minute(); h != 23 || mi != 59 || m.Due.Location().String() != "Asia/Shanghai" {
			t.Errorf("%s due %v, want the end of the day in Asia/Shanghai", m.ID, m.Due)
		}
	}
}

// A notice name that resolves to no university, or to several, stops the seed.
func TestBuildSeedFailsLoudly(t *testing.T) {
	unis := "name,category,ownership,city,moe_code,supervisor,note\n" +
		"甲大学,本科,公办,长沙市,1,湖南省,\n甲大学附属学院,本科,公办,长沙市,2,湖南省,\n乙学院,高职,公办,长沙市,3,湖南省,\n"
	for _, listed := range []string{"丙学院", "甲大"} {
		_, err := store.BuildSeed(strings.NewReader(unis), strings.NewReader("name_as_written,category\n"+listed+",本科\n"))
		if err == nil || !strings.Contains(err.Error(), listed) {
			t.Errorf("listing %q: err = %v, want a failure naming it", listed, err)
		}
	}
	_, err := store.BuildSeed(strings.NewReader(unis), strings.NewReader("name_as_written,category\n乙学院,本科\n"))
	if err == nil || !strings.Contains(err.Error(), "高职") {
		t.Errorf("a category that disagrees with the list: err = %v", err)
	}
}

func TestContributionAndRecount(t *testing.T) {
	s, err := store.DefaultSeed()
	if err != nil {
		t.Fatal(err)
	}
	c := store.Recount(s.Orgs, s.Milestones)
	if got := c[store.KeyDone(store.MilestoneCertify, store.Vocational)]; got != 39 {
		t.Errorf("done certify 高职 = %d, want 66-27 = 39", got)
	}
	if got := c[store.KeyOrgs(store.Junior)]; got != 7 {
		t.Errorf("orgs 高专 = %d, want 7", got)
	}
	// A change moves the counters by exactly Contribution(after) - Contribution(before).
	var before store.Org
	for _, o := range s.Orgs {
		if o.Name == "湖南警察学院" {
			before = o
		}
	}
	after := before.Clone()
	after.Progress = map[string]store.Progress{store.MilestoneCertify: {Done: true}}
	after.Members, after.MembersActivated = 900, 850
	delta := store.Contribution(after, s.Milestones).Sub(store.Contribution(before, s.Milestones))
	want := store.Counters{store.KeyDone(store.MilestoneCertify, store.Undergraduate): 1,
		store.KeyMembers(store.Undergraduate): 900, store.KeyActivated(store.Undergraduate): 850}
	if !delta.Equal(want) {
		t.Errorf("delta = %v, want %v", delta, want)
	}
	// Out of scope, an org counts nowhere and leaves every index but IndexAll.
	out := after.Clone()
	out.InScope = false
	if got := store.Contribution(out, s.Milestones); len(got) != 0 {
		t.Errorf("out-of-scope contribution = %v", got)
	}
	if ix := store.Indexes(out, s.Milestones); len(ix) != 1 {
		t.Errorf("out-of-scope indexes = %v, want only %q", ix, store.IndexAll)
	}
	if ix := store.Indexes(before, s.Milestones); !hasKey(ix, store.IndexPending(store.MilestoneCertify)) || !hasKey(ix, store.IndexRank) {
		t.Errorf("a lagging school's indexes = %v", ix)
	}
}

func TestRankScore(t *testing.T) {
	ms := []store.Milestone{{ID: "a", Level: 3}, {ID: "b", Level: 3}}
	org := func(done int, members, activated int) store.Org {
		o := store.Org{Level: 3, InScope: true, Members: members, MembersActivated: activated, Progress: map[string]store.Progress{}}
		for _, id := range []string{"a", "b"}[:done] {
			o.Progress[id] = store.Progress{Done: true}
		}
		return o
	}
	// One more milestone outranks any rate; equal rates to 0.1% tie.
	if !(store.RankScore(org(1, 100, 0), ms) > store.RankScore(org(0, 100, 100), ms)) {
		t.Error("a finished milestone does not outrank a full activation rate")
	}
	if store.RankScore(org(1, 3000, 1000), ms) != store.RankScore(org(1, 3001, 1000), ms) {
		t.Error("rates equal to 0.1% do not tie")
	}
}

func TestDiff(t *testing.T) {
	ms := []store.Milestone{{ID: "certify", Title: "完成上下级认证", Level: 3}}
	at := time.Date(2019, 3, 9, 12, 0, 0, 0, store.Shanghai())
	a := store.Org{Name: "甲", Members: 1}
	b := a.Clone()
	b.Members = 2
	b.Admin.Name = "张三"
	b.Progress = map[string]store.Progress{"certify": {Done: true, At: at}}
	got := store.Diff(a, b, ms)
	want := []store.FieldChange{
		{Field: store.FieldAdmin, Before: "", After: "张三"},
		{Field: store.FieldMembers, Before: "1", After: "2"},
		{Field: "完成上下级认证", Before: "未完成", After: "已完成（2019-03-09）"},
	}
	if len(got) != len(want) {
		t.Fatalf("Diff = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Diff[%d] = %+v, want %+v", i, got[i], want[i])
		}
	}
	if d := store.Diff(a, a.Clone(), ms); len(d) != 0 {
		t.Errorf("Diff of equal orgs = %+v", d)
	}
}

func TestPick(t *testing.T) {
	exact := names.Match{ID: "1", Kind: names.Exact}
	frag := names.Match{ID: "2", Kind: names.Fragment}
	for _, tt := range []struct {
		ms   []names.Match
		want string
	}{
		{[]names.Match{frag}, "2"},
		{[]names.Match{exact, frag}, "1"},
		{[]names.Match{frag, {ID: "3", Kind: names.Fragment}}, ""},
		{[]names.Match{exact, {ID: "4", Kind: names.Exact}}, ""},
		{nil, ""},
	} {
		m, ok := store.Pick(tt.ms)
		if (tt.want != "") != ok || m.ID != tt.want {
			t.Errorf("Pick(%v) = %v, %v; want %q", tt.ms, m, ok, tt.want)
		}
	}
}

func TestErrors(t *testing.T) {
	e := store.Errorf(store.EInvalid, "党员数“%s”不是整数", "x")
	wrapped := fmt.Errorf("commands: set: %w", e)
	if store.ErrorCode(wrapped) != store.EInvalid || store.ErrorMessage(wrapped) != "党员数“x”不是整数" {
		t.Errorf("code %q message %q", store.ErrorCode(wrapped), store.ErrorMessage(wrapped))
	}
	internal := fmt.Errorf("op: %w", errors.New("redis: dial tcp 10.0.0.5:6379: password=hunter2"))
	if store.ErrorCode(internal) != store.EInternal || strings.Contains(store.ErrorMessage(internal), "hunter2") {
		t.Errorf("an internal error leaks to people: %q", store.ErrorMessage(internal))
	}
}

func hasKey(m map[string]float64, k string) bool { _, ok := m[k]; return ok }

// Validate names every problem of a batch at once, with its position.
func TestValidate(t *testing.T) {
	good := store.Org{ID: "1", Name: "甲学院", Level: store.LevelUniversity, Category: store.Undergraduate}
	if err := store.Validate([]store.Org{good}); err != nil {
		t.Fatalf("a good org: %v", err)
	}
	err := store.Validate([]store.Org{
		good,
		{ID: "2", Name: "乙学院", Level: store.LevelUniversity, Category: "中专"},
		{ID: "1", Name: "丙学院", Level: store.LevelUniversity, Category: store.Junior},
		{ID: "a b", Name: "丁学院", Level: store.LevelUniversity, Category: store.Junior, Members: -1},
		{ID: "5", Level: store.LevelCommittee},
	})
	msg := store.ErrorMessage(err)
	if store.ErrorCode(err) != store.EInvalid {
		t.Fatalf("code %q, want %q", store.ErrorCode(err), store.EInvalid)
	}
	for _, want := range []string{"第2个组织「乙学院」", "中专", "第3个组织「丙学院」", "与第1个重复", "空白", "负数", "第5个组织", "缺少学校名称"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "甲学院") {
		t.Errorf("message names the good org: %q", msg)
	}
}
