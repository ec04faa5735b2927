package report

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"xuexibot/store"
)

// Lagging is the schools that have not finished a milestone (or any), by
// category, as the notice lists them.
type Lagging struct {
	// Milestone is the one asked about; nil when any milestone counts.
	Milestone *store.Milestone
	// Milestones are all milestones, by Order.
	Milestones []store.Milestone
	// Category restricts the list; "" for all.
	Category store.Category
	Groups   []LaggingGroup // store.Categories() order, non-empty groups only
	Total    int
}

// LaggingGroup is the lagging schools of one category, by Order.
type LaggingGroup struct {
	Category store.Category
	Orgs     []LaggingOrg
}

// LaggingOrg is one lagging school with the milestones it has not finished.
type LaggingOrg struct {
	Org     store.Org
	Pending []store.Milestone
}

// BuildLagging reads the pending index of milestoneID ("" for every
// milestone) and groups the schools by category, only cat unless it is "".
// An unknown milestone id is an EInvalid *store.Error.
func BuildLagging(ctx context.Context, src Source, milestoneID string, cat store.Category) (Lagging, error) {
	ms, err := src.Milestones(ctx)
	if err != nil {
		return Lagging{}, fmt.Errorf("report: lagging: milestones: %w", err)
	}
	l := Lagging{Milestones: ms, Category: cat}
	want := ms
	if milestoneID != "" {
		i := slices.IndexFunc(ms, func(m store.Milestone) bool { return m.ID == milestoneID })
		if i < 0 {
			return Lagging{}, store.Errorf(store.EInvalid, "没有工作节点“%s”。", milestoneID)
		}
		m := ms[i]
		l.Milestone = &m
		want = []store.Milestone{m}
	}
	byID := map[string]*LaggingOrg{}
	var all []*LaggingOrg
	for _, m := range want {
		orgs, err := src.Orgs(ctx, store.Query{Index: store.IndexPending(m.ID)})
		if err != nil {
			return Lagging{}, fmt.Errorf("report: lagging %s: %w", m.ID, err)
		}
		for _, o := range orgs {
			if cat != "" && o.Category != cat {
				continue
			}
			lo := byID[o.ID]
			if lo == nil {
				lo = &LaggingOrg{Org: o}
				byID[o.ID] = lo
				all = append(all, lo)
			}
			lo.Pending = append(lo.Pending, m)
		}
	}
	slices.SortFunc(all, func(a, b *LaggingOrg) int { return cmp.Compare(a.Org.Order, b.Org.Order) })
	for _, c := range store.Categories() {
		g := LaggingGroup{Category: c}
		for _, lo := range all {
			if lo.Org.Category == c {
				g.Orgs = append(g.Orgs, *lo)
			}
		}
		if len(g.Orgs) > 0 {
			l.Groups = append(l.Groups, g)
			l.Total += len(g.Orgs)
		}
	}
	// Schools without a known category still count; list them last.
	var other LaggingGroup
	for _, lo := range all {
		if !lo.Org.Category.Valid() {
			other.Orgs = append(other.Orgs, *lo)
		}
	}
	if len(other.Orgs) > 0 {
		other.Category = "其他"
		l.Groups = append(l.Groups, other)
		l.Total += len(other.Orgs)
	}
	return l, nil
}

// Heading says what the list is: 未完成「完成上下级认证」的高校（31 所）.
func (l Lagging) Heading() string {
	what := "有工作节点未完成的高校"
	if l.Milestone != nil {
		what = "未完成「" + l.Milestone.Title + "」的高校"
	}
	if l.Category != "" {
		what = l.Category.Title() + "中" + what
	}
	return what + "（" + strconv.Itoa(l.Total) + " 所）"
}

// Markdown renders the list in the notice's own shape:
//
//	一、本科学校（3 所）
//	湖南警察学院；湖南交通工程学院；湖南应用技术学院。
func (l Lagging) Markdown() string {
	var b strings.Builder
	b.WriteString("**" + l.Heading() + "**\n\n")
	if l.Total == 0 {
		if l.Milestone != nil {
			b.WriteString("全部高校均已完成「" + l.Milestone.Title + "」。")
		} else {
			b.WriteString("全部高校均已完成各工作节点。")
		}
		return b.String()
	}
	for i, g := range l.Groups {
		fmt.Fprintf(&b, "%s、%s（%d 所）\n\n", Numeral(i+1), g.Category.Title(), len(g.Orgs))
		names := make([]string, len(g.Orgs))
		for j, lo := range g.Orgs {
			names[j] = lo.Org.Name
			// With every milestone in play, say which a school still owes
			// when it is not all of them.
			if l.Milestone == nil && len(l.Milestones) > 1 && len(lo.Pending) < len(l.Milestones) {
				shorts := make([]string, len(lo.Pending))
				for k, m := range lo.Pending {
					shorts[k] = m.Short
				}
				names[j] += "（未" + strings.Join(shorts, "、") + "）"
			}
		}
		b.WriteString(strings.Join(names, "；") + "。\n\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// Numeral writes 1..99 as Chinese numerals: 一, 十一, 二十三.
func Numeral(n int) string {
	digits := []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}
	switch {
	case n <= 0 || n >= 100:
		return strconv.Itoa(n)
	case n < 10:
		return digits[n]
	case n == 10:
		return "十"
	case n < 20:
		return "十" + digits[n%10]
	case n%10 == 0:
		return digits[n/10] + "十"
	}
	return digits[n/10] + "十" + digits[n%10]
}
