package report

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"xuexibot/store"
	"xuexibot/store/bolt"
	"xuexibot/store/bolt/bolttest"
)

var testNow = time.Date(2019, 3, 8, 10, 0, 0, 0, store.Shanghai())

// seeded opens a bolt store with the notice's seed.
func seeded(t *testing.T) *bolt.Store {
	t.Helper()
	return bolttest.Seeded(t, bolt.WithNow(func() time.Time { return testNow }))
}

// counting passes reads to the real store and counts the orgs and changes
// returned, so a test can tell a summary that reads the ends from one that
// reads all.
type counting struct {
	*bolt.Store
	orgs, changes atomic.Int64
}

func (c *counting) Latest(ctx context.Context, since time.Time, limit int, withRefused bool) ([]store.Change, error) {
	chs, err := c.Store.Latest(ctx, since, limit, withRefused)
	c.changes.Add(int64(len(chs)))
	return chs, err
}

func (c *counting) Orgs(ctx context.Context, q store.Query) ([]store.Org, error) {
	os, err := c.Store.Orgs(ctx, q)
	c.orgs.Add(int64(len(os)))
	return os, err
}

func set(t *testing.T, st *bolt.Store, name string, fn func(*store.Org)) {
	t.Helper()
	ctx := context.Background()
	res, err := st.Resolve(ctx, name)
	if err != nil || res.Org == nil {
		t.Fatalf("resolve %s: %v", name, err)
	}
	if _, err := st.Update(ctx, res.Org.ID, store.Meta{Actor: store.Actor{ID: "t", Nick: "测试"}, Command: "test"}, func(o *store.Org) error {
		fn(o)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func TestBuildSummarySeed(t *testing.T) {
	st := seeded(t)
	src := &counting{Store: st}
	s, err := BuildSummary(context.Background(), src, testNow, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Milestones) != 2 {
		t.Fatalf("%d milestones", len(s.Milestones))
	}
	for _, m := range s.Milestones {
		if m.Overall != (Progress{Done: 93, Total: 124}) {
			t.Errorf("%s overall %+v, want 93/124", m.Milestone.ID, m.Overall)
		}
		want := map[store.Category]Progress{store.Undergraduate: {48, 51}, store.Junior: {6, 7}, store.Vocational: {39, 66}}
		for _, c := range m.ByCategory {
			if c.Progress != want[c.Category] {
				t.Errorf("%s %s = %+v, want %+v", m.Milestone.ID, c.Category, c.Progress, want[c.Category])
			}
		}
	}
	if s.Milestones[0].Countdown != "已逾期7天" || !s.Milestones[0].Overdue || s.Milestones[1].Countdown != "还有2天" {
		t.Errorf("countdowns %q %q", s.Milestones[0].Countdown, s.Milestones[1].Countdown)
	}
	if s.Total.Orgs != 124 || len(s.Categories) != 3 {
		t.Errorf("numbers %+v %+v", s.Total, s.Categories)
	}
	// 93 schools tie at the top: one group, cut at MaxTied.
	if len(s.Best) != 1 || !s.Best[0].Partial || len(s.Best[0].Orgs) != MaxTied || s.Best[0].Done != 2 {
		t.Errorf("best %+v", s.Best)
	}
	// The 31 listed schools tie at the bottom, all named though TopN is 10.
	if len(s.Worst) != 1 || s.Worst[0].Partial || len(s.Worst[0].Orgs) != 31 || s.Worst[0].Done != 0 {
		t.Errorf("worst groups %d, first %d orgs", len(s.Worst), len(s.Worst[0].Orgs))
	}
	if n := src.orgs.Load(); n > 2*(MaxTied+TopN) {
		t.Errorf("summary read %d orgs; it should read only the ends of the rank index", n)
	}
	md := s.Markdown()
	for _, w := range []string{"93/124 所（75.0%）", "超过 40 所并列，不逐一列出", "（并列 31 所）：完成 0 个节点", "湖南警察学院"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q:\n%s", w, md)
		}
	}
	if strings.Contains(md, "以来的变化") {
		t.Error("changes section without a since time")
	}
}

func TestBuildSummaryRanksAndChanges(t *testing.T) {
	st := seeded(t)
	since := testNow.Add(-time.Minute)
	// Give distinct activation rates to 12 finished schools, two of them tied.
	finished := []string{"湘潭大学", "吉首大学", "湖南大学", "中南大学", "湖南科技大学", "长沙理工大学",
		"湖南农业大学", "中南林业科技大学", "湖南中医药大学", "湖南师范大学", "湖南理工学院", "湘南学院"}
	for i, name := range finished {
		act := 100 - i
		if i == 10 {
			act = 91 // ties with the 10th (index 9: 91)
		}
		set(t, st, name, func(o *store.Org) { o.Members, o.MembersActivated = 100, act })
	}
	set(t, st, "湖南警察学院", func(o *store.Org) {
		o.Branches, o.BranchesCovered, o.Members, o.MembersActivated = 10, 5, 200, 50
	})
	s, err := BuildSummary(context.Background(), st, testNow, since)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, g := range s.Best {
		for _, o := range g.Orgs {
			names = append(names, fmt.Sprintf("%d:%s", g.Rank, o.Name))
		}
	}
	got := strings.Join(names, " ")
	want := "1:湘潭大学 2:吉首大学 3:湖南大学 4:中南大学 5:湖南科技大学 6:长沙理工大学 7:湖南农业大学 8:中南林业科技大学 9:湖南中医药大学 10:湖南师范大学 10:湖南理工学院"
	if got != want {
		t.Errorf("best:\n got %s\nwant %s", got, want)
	}
	// 湖南警察学院 (no milestone, 25%) now ranks above the other 30 lagging
	// schools, which tie at the bottom and fill the list on their own.
	if len(s.Worst) != 1 || len(s.Worst[0].Orgs) != 30 || s.Worst[0].Partial {
		t.Errorf("worst: %d groups, first of %d", len(s.Worst), len(s.Worst[0].Orgs))
	}
	for _, o := range s.Worst[0].Orgs {
		if o.Name == "湖南警察学院" {
			t.Error("worst still lists 湖南警察学院")
		}
	}
	u := s.Categories[0]
	if u.Branches != 10 || u.Covered != 5 || u.CoverageRate() != 0.5 || u.Members != 1400 {
		t.Errorf("undergraduate numbers %+v", u)
	}
	// 13 updates and the seed's own record, all at the store's clock.
	if len(s.Changes) != 14 {
		t.Errorf("%d changes since %v, want 14", len(s.Changes), since)
	}
	md := s.Markdown()
	for _, w := range []string{"10. 湖南师范大学、湖南理工学院（并列 2 所）：完成 2 个节点，党员激活率 91.0%", "党支部覆盖率 50.0%（5/10）",
		"以来的变化", "测试（t） 湖南警察学院：党支部数 0 → 10"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q:\n%s", w, md)
		}
	}
}

func TestBuildLagging(t *testing.T) {
	st := seeded(t)
	ctx := context.Background()
	l, err := BuildLagging(ctx, st, "", "")
	if err != nil {
		t.Fatal(err)
	}
	counts := []int{}
	for _, g := range l.Groups {
		counts = append(counts, len(g.Orgs))
	}
	if l.Total != 31 || fmt.Sprint(counts) != "[3 1 27]" {
		t.Errorf("lagging total %d by category %v, want 31 [3 1 27]", l.Total, counts)
	}
	md := l.Markdown()
	if !strings.Contains(md, "一、本科学校（3 所）\n\n湖南警察学院；") || !strings.HasSuffix(md, "。") {
		t.Errorf("markdown:\n%s", md)
	}
	// One milestone done: the school stays listed for the other, marked.
	set(t, st, "湖南警察学院", func(o *store.Org) {
		o.Progress = map[string]store.Progress{store.MilestoneCertify: {Done: true, At: testNow}}
	})
	if l, err = BuildLagging(ctx, st, "", ""); err != nil {
		t.Fatal(err)
	}
	if md := l.Markdown(); l.Total != 31 || !strings.Contains(md, "湖南警察学院（未安装）") {
		t.Errorf("any-milestone list:\n%s", md)
	}
	if l, err = BuildLagging(ctx, st, store.MilestoneCertify, store.Undergraduate); err != nil {
		t.Fatal(err)
	}
	if l.Total != 2 || l.Heading() != "本科学校中未完成「完成上下级认证」的高校（2 所）" {
		t.Errorf("certify 本科: %d %q", l.Total, l.Heading())
	}
	if _, err := BuildLagging(ctx, st, "graduate", ""); store.ErrorCode(err) != store.EInvalid {
		t.Errorf("unknown milestone: %v", err)
	}
	// Nobody lagging reads as such.
	if l, err = BuildLagging(ctx, st, store.MilestoneInstall, store.Junior); err != nil {
		t.Fatal(err)
	}
	set(t, st, "益阳医学高等专科学校", func(o *store.Org) {
		o.Progress = map[string]store.Progress{store.MilestoneInstall: {Done: true}}
	})
	if l, err = BuildLagging(ctx, st, store.MilestoneInstall, store.Junior); err != nil || l.Total != 0 ||
		!strings.Contains(l.Markdown(), "全部高校均已完成「全部下载安装」") {
		t.Errorf("empty list: %v %q", err, l.Markdown())
	}
}

// Refused attempts must not push real changes out of the summary, and the
// newest changes are the ones kept when there are more than MaxChanges,
// read without reading the whole window.
func TestBuildSummaryKeepsNewestAcceptedChanges(t *testing.T) {
	st := seeded(t)
	ctx := context.Background()
	since := testNow.Add(-time.Minute)
	for i := 0; i < MaxChanges+5; i++ {
		if err := st.Refuse(ctx, store.Change{Actor: store.Actor{ID: "user9"}, Command: "/done 湖南警察学院 认证", Refused: true, Reason: "无权限：不是管理员"}); err != nil {
			t.Fatal(err)
		}
	}
	set(t, st, "湖南警察学院", func(o *store.Org) { o.Members = 5 })
	s, err := BuildSummary(ctx, st, testNow, since)
	if err != nil {
		t.Fatal(err)
	}
	// The seed's record and the /set.
	if len(s.Changes) != 2 || s.MoreChanges {
		t.Fatalf("changes %d more %v, want 2 false", len(s.Changes), s.MoreChanges)
	}
	md := s.Markdown()
	for _, w := range []string{"湖南警察学院：党员数 0 → 5", "共 2 条，最新的在前"} {
		if !strings.Contains(md, w) {
			t.Errorf("markdown lacks %q:\n%s", w, md)
		}
	}
	if strings.Contains(md, "被拒绝") {
		t.Errorf("markdown lists refused attempts:\n%s", md)
	}
	// Exactly MaxChanges: all of them, and the count is still exact.
	for i := 1; i <= MaxChanges-2; i++ {
		set(t, st, "湖南警察学院", func(o *store.Org) { o.Members = 5 + i })
	}
	if s, err = BuildSummary(ctx, st, testNow, since); err != nil {
		t.Fatal(err)
	}
	if len(s.Changes) != MaxChanges || s.MoreChanges {
		t.Fatalf("at the cap: changes %d more %v, want %d false", len(s.Changes), s.MoreChanges, MaxChanges)
	}
	if md = s.Markdown(); !strings.Contains(md, fmt.Sprintf("共 %d 条，以下为最新的 %d 条，最新的在前", MaxChanges, ShownChanges)) {
		t.Errorf("markdown at the cap:\n%s", md)
	}
	// Past the cap: the newest are kept, oldest first in Changes, the count
	// says only that there are more, and the markdown shows the newest first.
	for i := MaxChanges - 1; i <= MaxChanges+10; i++ {
		set(t, st, "湖南警察学院", func(o *store.Org) { o.Members = 5 + i })
	}
	src := &counting{Store: st}
	if s, err = BuildSummary(ctx, src, testNow, since); err != nil {
		t.Fatal(err)
	}
	if len(s.Changes) != MaxChanges || !s.MoreChanges {
		t.Fatalf("changes %d more %v", len(s.Changes), s.MoreChanges)
	}
	// The window holds 212 accepted changes and 205 refusals; the summary
	// reads one change more than it keeps.
	if n := src.changes.Load(); n != MaxChanges+1 {
		t.Errorf("summary read %d changes, want %d", n, MaxChanges+1)
	}
	last := s.Changes[len(s.Changes)-1].Fields[0]
	if last.After != fmt.Sprint(5+MaxChanges+10) {
		t.Errorf("newest kept change is %+v, want the last /set", last)
	}
	if first := s.Changes[0].Fields[0]; first.After != fmt.Sprint(5+11) {
		t.Errorf("oldest kept change is %+v, want the 11th /set", first)
	}
	md = s.Markdown()
	want := fmt.Sprintf("超过 %d 条，以下为最新的 %d 条，最新的在前：\n\n- 2019-03-08 10:00 测试（t） 湖南警察学院：党员数 %d → %d\n",
		MaxChanges, ShownChanges, 5+MaxChanges+9, 5+MaxChanges+10)
	if !strings.Contains(md, want) {
		t.Errorf("markdown lacks %q:\n%s", want, md)
	}
	if strings.Contains(md, "共 ") {
		t.Errorf("markdown claims an exact count past the cap:\n%s", md)
	}
	if n := strings.Count(md, "\n- 2019-"); n != ShownChanges {
		t.Errorf("markdown shows %d changes, want %d", n, ShownChanges)
	}
}
