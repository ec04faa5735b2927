package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"xuexibot/store"
)

// Summary is the progress of the rollout at Now, as data: Markdown renders
// it for DingTalk and the dashboard renders the same fields as HTML.
type Summary struct {
	Now   time.Time
	Since time.Time // changes are those at or after Since; zero: none read

	Milestones []MilestoneProgress
	// Categories holds the numbers per category in store.Categories() order;
	// Total sums them (its Category is "").
	Categories []Numbers
	Total      Numbers

	// Best and Worst are the ends of the 红黑榜, as groups of tied schools.
	Best, Worst []RankGroup

	// Changes are the accepted (not refused) changes since Since: the
	// newest MaxChanges of them, oldest first.
	Changes []store.Change
	// MoreChanges is set when there were more than MaxChanges, so older
	// ones are left out of Changes. How many more is not known: counting
	// them would mean reading the whole window. Without MoreChanges,
	// len(Changes) is the exact count of the window.
	MoreChanges bool
}

// ChangeCount says how many changes the window holds, as far as it is
// known: 共 12 条, or 超过 200 条 when MoreChanges.
func (s Summary) ChangeCount() string {
	if s.MoreChanges {
		return "超过 " + strconv.Itoa(MaxChanges) + " 条"
	}
	return "共 " + strconv.Itoa(len(s.Changes)) + " 条"
}

// MilestoneProgress is one milestone's completion.
type MilestoneProgress struct {
	Milestone  store.Milestone
	Countdown  string // 还有N天, 今天截止, 已逾期N天
	Overdue    bool
	Overall    Progress
	ByCategory []CategoryProgress // store.Categories() order, categories with schools only
}

// CategoryProgress is a milestone's completion in one category.
type CategoryProgress struct {
	Category store.Category
	Progress
}

// Progress is done out of total.
type Progress struct {
	Done, Total int
}

// Rate is Done/Total, 0 when Total is 0.
func (p Progress) Rate() float64 { return store.Rate(p.Done, p.Total) }

// Percent renders Rate as 75.0%.
func (p Progress) Percent() string { return store.Percent(p.Rate()) }

// Pending is how many have not finished.
func (p Progress) Pending() int { return p.Total - p.Done }

// Numbers are the 党支部 and 党员 totals of a category.
type Numbers struct {
	Category  store.Category // "" for all categories
	Orgs      int            // in-scope universities
	Branches  int            // 党支部数
	Covered   int            // 已覆盖党支部数
	Members   int            // 党员数
	Activated int            // 已激活党员数
}

// CoverageRate is 党支部覆盖率: Covered/Branches.
func (n Numbers) CoverageRate() float64 { return store.Rate(n.Covered, n.Branches) }

// ActivationRate is 党员激活率: Activated/Members.
func (n Numbers) ActivationRate() float64 { return store.Rate(n.Activated, n.Members) }

// RankGroup is one place of the 红黑榜: the schools that share a score.
type RankGroup struct {
	Rank           int // 1 for the first group; tied schools share a group
	Score          float64
	Done           int     // milestones finished by each school of the group
	ActivationRate float64 // 党员激活率 of each school, rounded to 0.1%
	Orgs           []store.Org
	// Partial is set when more schools share this score than MaxTied allows
	// to list.
	Partial bool
}

// BuildSummary reads the aggregates and the ends of the rank index and
// returns the summary at now, with the changes since since (none when since
// is zero).
func BuildSummary(ctx context.Context, src Source, now, since time.Time) (Summary, error) {
	ms, err := src.Milestones(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("report: summary: milestones: %w", err)
	}
	c, err := src.Counters(ctx)
	if err != nil {
		return Summary{}, fmt.Errorf("report: summary: counters: %w", err)
	}
	s := Summary{Now: now, Since: since, Total: Numbers{}}
	for _, m := range ms {
		mp := MilestoneProgress{Milestone: m, Countdown: Countdown(m.Due, now), Overdue: now.After(m.Due)}
		for _, cat := range store.Categories() {
			p := Progress{Done: int(c[store.KeyDone(m.ID, cat)]), Total: int(c[store.KeyApplies(m.ID, cat)])}
			mp.Overall.Done += p.Done
			mp.Overall.Total += p.Total
			if p.Total > 0 {
				mp.ByCategory = append(mp.ByCategory, CategoryProgress{Category: cat, Progress: p})
			}
		}
		s.Milestones = append(s.Milestones, mp)
	}
	for _, cat := range store.Categories() {
		n := Numbers{
			Category:  cat,
			Orgs:      int(c[store.KeyOrgs(cat)]),
			Branches:  int(c[store.KeyBranches(cat)]),
			Covered:   int(c[store.KeyCovered(cat)]),
			Members:   int(c[store.KeyMembers(cat)]),
			Activated: int(c[store.KeyActivated(cat)]),
		}
		s.Total.Orgs += n.Orgs
		s.Total.Branches += n.Branches
		s.Total.Covered += n.Covered
		s.Total.Members += n.Members
		s.Total.Activated += n.Activated
		if n.Orgs > 0 {
			s.Categories = append(s.Categories, n)
		}
	}
	if s.Best, err = rankEnd(ctx, src, ms, true); err != nil {
		return Summary{}, err
	}
	if s.Worst, err = rankEnd(ctx, src, ms, false); err != nil {
		return Summary{}, err
	}
	if !since.IsZero() {
		// One more than is kept tells whether older ones are left out;
		// refused attempts are skipped by the store, so a burst of them
		// cannot push real changes out.
		chs, err := src.Latest(ctx, since, MaxChanges+1, false)
		if err != nil {
			return Summary{}, fmt.Errorf("report: summary: changes: %w", err)
		}
		if len(chs) > MaxChanges {
			chs, s.MoreChanges = chs[:MaxChanges], true
		}
		slices.Reverse(chs) // the store gives the newest first
		s.Changes = chs
	}
	return s, nil
}

// rankEnd reads one end of the rank index page by page until it holds TopN
// schools and the next one scores differently, or MaxTied schools.
func rankEnd(ctx context.Context, src Source, ms []store.Milestone, best bool) ([]RankGroup, error) {
	var orgs []store.Org
	score := func(o store.Org) float64 { return store.RankScore(o, ms) }
	for {
		page, err := src.Orgs(ctx, store.Query{Index: store.IndexRank, Offset: len(orgs), Limit: TopN, Desc: best})
		if err != nil {
			return nil, fmt.Errorf("report: summary: rank: %w", err)
		}
		orgs = append(orgs, page...)
		if len(page) < TopN || len(orgs) > MaxTied {
			break
		}
		if len(orgs) > TopN && score(orgs[len(orgs)-1]) != score(orgs[TopN-1]) {
			break
		}
	}
	// Keep the first TopN, then whatever ties with the TopN-th.
	k := min(len(orgs), TopN)
	for k > 0 && k < len(orgs) && score(orgs[k]) == score(orgs[k-1]) {
		k++
	}
	partial := false
	if k > MaxTied {
		k, partial = MaxTied, true
	}
	orgs = orgs[:k]
	var groups []RankGroup
	for i := 0; i < len(orgs); {
		j := i
		for j < len(orgs) && score(orgs[j]) == score(orgs[i]) {
			j++
		}
		g := slices.Clone(orgs[i:j])
		slices.SortFunc(g, func(a, b store.Org) int { return cmp.Compare(a.Order, b.Order) })
		sc := score(orgs[i])
		done := int(sc) / 2
		groups = append(groups, RankGroup{
			Rank: len(groups) + 1, Score: sc, Done: done,
			ActivationRate: sc - float64(2*done), Orgs: g,
		})
		i = j
	}
	if partial && len(groups) > 0 {
		groups[len(groups)-1].Partial = true
	}
	return groups, nil
}

// Markdown renders the summary for DingTalk: headings, bold and lists.
func (s Summary) Markdown() string {
	var b strings.Builder
	loc := store.Shanghai()
	fmt.Fprintf(&b, "### 高校“学习强国”推广进度汇总\n\n截至 %s\n\n", s.Now.In(loc).Format("2006年1月2日 15:04"))

	b.WriteString("#### 一、工作节点\n\n")
	if len(s.Milestones) == 0 {
		b.WriteString("暂无工作节点。\n\n")
	}
	for _, m := range s.Milestones {
		fmt.Fprintf(&b, "**%s**（截止 %s，%s）\n\n", m.Milestone.Title, FormatDue(m.Milestone.Due, s.Now), m.Countdown)
		fmt.Fprintf(&b, "- 全部：%d/%d 所（%s），未完成 %d 所\n", m.Overall.Done, m.Overall.Total, m.Overall.Percent(), m.Overall.Pending())
		for _, c := range m.ByCategory {
			fmt.Fprintf(&b, "- %s：%d/%d 所（%s）\n", c.Category.Title(), c.Done, c.Total, c.Percent())
		}
		b.WriteString("\n")
	}

	b.WriteString("#### 二、党支部覆盖与党员激活\n\n")
	for _, n := range s.Categories {
		b.WriteString("- " + n.line() + "\n")
	}
	if len(s.Categories) > 1 {
		b.WriteString("- " + s.Total.line() + "\n")
	}
	if len(s.Categories) == 0 {
		b.WriteString("暂无纳入统计的高校。\n")
	}
	b.WriteString("\n")

	fmt.Fprintf(&b, "#### 三、红榜（前%d名，并列同列）\n\n", TopN)
	writeRank(&b, s.Best)
	fmt.Fprintf(&b, "#### 四、黑榜（后%d名，并列同列）\n\n", TopN)
	writeRank(&b, s.Worst)

	if !s.Since.IsZero() {
		fmt.Fprintf(&b, "#### 五、%s以来的变化\n\n", s.Since.In(loc).Format("1月2日 15:04"))
		shown := s.Changes[len(s.Changes)-min(len(s.Changes), ShownChanges):]
		switch {
		case len(s.Changes) == 0:
			b.WriteString("无变化。\n")
		case len(shown) < len(s.Changes):
			fmt.Fprintf(&b, "%s，以下为最新的 %d 条，最新的在前：\n\n", s.ChangeCount(), len(shown))
		default:
			fmt.Fprintf(&b, "%s，最新的在前：\n\n", s.ChangeCount())
		}
		for i := len(shown) - 1; i >= 0; i-- {
			b.WriteString("- " + ChangeLine(shown[i]) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

func (n Numbers) line() string {
	name := "合计"
	if n.Category != "" {
		name = n.Category.Title()
	}
	return fmt.Sprintf("%s（%d 所）：党支部覆盖率 %s（%d/%d），党员激活率 %s（%d/%d）",
		name, n.Orgs, store.Percent(n.CoverageRate()), n.Covered, n.Branches,
		store.Percent(n.ActivationRate()), n.Activated, n.Members)
}

func writeRank(b *strings.Builder, groups []RankGroup) {
	if len(groups) == 0 {
		b.WriteString("暂无。\n\n")
		return
	}
	for _, g := range groups {
		names := make([]string, len(g.Orgs))
		for i, o := range g.Orgs {
			names[i] = o.Name
		}
		// A tie too large to read whole is a fact about the rollout, not a
		// list anyone would read: say how it ties instead of naming 40.
		if g.Partial {
			fmt.Fprintf(b, "%d. 完成 %d 个节点、党员激活率 %s 的高校（超过 %d 所并列，不逐一列出）\n", g.Rank, g.Done, store.Percent(g.ActivationRate), len(names))
			continue
		}
		list := strings.Join(names, "、")
		if len(names) > 1 {
			list += "（并列 " + strconv.Itoa(len(names)) + " 所）"
		}
		fmt.Fprintf(b, "%d. %s：完成 %d 个节点，党员激活率 %s\n", g.Rank, list, g.Done, store.Percent(g.ActivationRate))
	}
	b.WriteString("\n")
}

// MaxLineText is how many characters of a command or a field's value a
// change line quotes before cutting it with …, so one pasted paragraph
// does not drown a list of changes.
const MaxLineText = 60

// ChangeLine renders one audit record on one line: when, who, which org and
// what changed; a refused attempt shows its command and the reason. A
// change that belongs to no org (a moved deadline) names what changed in
// its field: 「完成上下级认证」截止时间 2019-03-10 24:00 → 2019-03-15 24:00.
func ChangeLine(ch store.Change) string {
	var b strings.Builder
	b.WriteString(FormatTime(ch.At) + " " + ch.Actor.String())
	if ch.Refused {
		b.WriteString(" 被拒绝")
	}
	if ch.OrgName != "" {
		b.WriteString(" " + ch.OrgName)
	}
	b.WriteString("：")
	parts := make([]string, 0, len(ch.Fields))
	for _, f := range ch.Fields {
		before, after := f.Before, f.After
		if strings.HasSuffix(f.Field, store.FieldDue) {
			before, after = dueValue(before), dueValue(after)
		}
		parts = append(parts, fmt.Sprintf("%s %s → %s", f.Field, orDash(clip(before)), orDash(clip(after))))
	}
	if len(parts) == 0 && ch.Command != "" {
		parts = append(parts, clip(oneLine(ch.Command)))
	}
	b.WriteString(strings.Join(parts, "；"))
	if ch.Refused && ch.Reason != "" {
		b.WriteString("（" + clip(oneLine(ch.Reason)) + "）")
	}
	return b.String()
}

// dueValue rewrites an audited due time (2019-03-10 23:59, as the store
// writes it) the way FormatDue reads it, so the end of a day is 24:00 in
// the trail too; anything else is returned as is.
func dueValue(v string) string {
	t, err := time.ParseInLocation("2006-01-02 15:04", v, store.Shanghai())
	if err != nil {
		return v
	}
	d := dueDay(t)
	if d.Hour() == 23 && d.Minute() == 59 {
		return d.Format("2006-01-02") + " 24:00"
	}
	return v
}

// clip cuts s to MaxLineText characters, marking the cut with ….
func clip(s string) string {
	if utf8.RuneCountInString(s) <= MaxLineText {
		return s
	}
	return string([]rune(s)[:MaxLineText]) + "…"
}

// oneLine folds runs of spaces and line breaks into one space, so a
// multi-line command or reason stays on its list line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func orDash(s string) string {
	if s == "" {
		return "（空）"
	}
	return s
}
