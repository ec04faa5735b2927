package remind

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"xuexibot/report"
	"xuexibot/store"
)

// countdownDay reports whether the deadline job speaks d days before a
// deadline; it also speaks on the day and every day after while overdue.
func countdownDay(d int) bool {
	switch d {
	case 7, 3, 1, 0:
		return true
	}
	return false
}

// build renders a job's digest as of at. The messages' ID is a suffix
// ("" for the group digest) that fire prefixes with the job and tick.
func (s *Scheduler) build(ctx context.Context, name string, at time.Time, manual bool) ([]draft, error) {
	switch name {
	case JobDeadline:
		return s.buildDeadline(ctx, at, manual)
	case JobLagging:
		return s.buildLagging(ctx, at)
	case JobReport:
		return s.buildReport(ctx, at)
	}
	return nil, fmt.Errorf("unknown job %q", name)
}

// buildDeadline writes one countdown per open milestone that is at a
// countdown point (every open milestone when manual).
func (s *Scheduler) buildDeadline(ctx context.Context, at time.Time, manual bool) ([]draft, error) {
	ms, err := s.reg.Milestones(ctx)
	if err != nil {
		return nil, fmt.Errorf("milestones: %w", err)
	}
	var parts, titles, lists []string
	for _, m := range ms {
		d := s.days(m.Due, at)
		if !manual && d > 0 && !countdownDay(d) {
			continue
		}
		l, err := report.BuildLagging(ctx, s.reg, m.ID, "")
		if err != nil {
			return nil, fmt.Errorf("lagging %s: %w", m.ID, err)
		}
		if l.Total == 0 {
			continue
		}
		list := groupsMarkdown(l.Groups)
		if slices.Contains(lists, list) {
			// Often the same schools owe every milestone; say so rather
			// than repeat thirty names.
			parts = append(parts, s.countdownLine(m, at, l.Total)+"名单同上。")
		} else {
			parts = append(parts, s.countdownLine(m, at, l.Total)+"\n\n"+list)
		}
		lists = append(lists, list)
		titles = append(titles, "「"+m.Title+"」"+s.shortCountdown(m.Due, at))
	}
	if len(parts) == 0 {
		return nil, nil
	}
	md := "#### 工作节点截止提醒\n\n" + strings.Join(parts, "\n\n") + "\n\n请以上高校抓紧完成。"
	return []draft{{OutMsg: store.OutMsg{To: "group", Title: "截止提醒：" + strings.Join(titles, "，"), Markdown: md}}}, nil
}

// countdownLine is the sentence of a countdown, e.g.
// 距「完成上下级认证」截止（3月10日 星期日 24:00）还有3天（1个工作日），尚有31所高校未完成：
func (s *Scheduler) countdownLine(m store.Milestone, at time.Time, pending int) string {
	due := s.formatDue(m.Due)
	d := s.days(m.Due, at)
	tail := "，尚有" + strconv.Itoa(pending) + "所高校未完成："
	switch {
	case d > 0:
		return fmt.Sprintf("距「%s」截止（%s）还有%d天（%d个工作日）%s", m.Title, due, d, s.workdays(at, m.Due), tail)
	case d == 0 && !at.After(m.Due):
		return fmt.Sprintf("「%s」今天截止（%s）%s", m.Title, due, tail)
	case d == 0:
		return fmt.Sprintf("「%s」今天已截止（%s）%s", m.Title, due, tail)
	}
	return fmt.Sprintf("「%s」已逾期%d天（截止于%s）%s", m.Title, -d, due, tail)
}

// shortCountdown is the countdown for titles and status lines: 还有3天（1个工作日）.
func (s *Scheduler) shortCountdown(due, at time.Time) string {
	d := s.days(due, at)
	switch {
	case d > 0:
		return fmt.Sprintf("还有%d天（%d个工作日）", d, s.workdays(at, due))
	case d == 0 && !at.After(due):
		return "今天截止"
	case d == 0:
		return "今天已截止"
	}
	return fmt.Sprintf("已逾期%d天", -d)
}

// groupsMarkdown lists schools by category in the notice's shape:
//
//	一、本科学校（3 所）
//	湖南警察学院；湖南交通工程学院；湖南应用技术学院。
func groupsMarkdown(groups []report.LaggingGroup) string {
	var b strings.Builder
	for i, g := range groups {
		names := make([]string, len(g.Orgs))
		for j, lo := range g.Orgs {
			names[j] = lo.Org.Name
		}
		if i > 0 {
			b.WriteString("\n\n")
		}
		fmt.Fprintf(&b, "**%s、%s（%d 所）**\n\n%s。", report.Numeral(i+1), groupTitle(g.Category), len(g.Orgs), strings.Join(names, "；"))
	}
	return b.String()
}

func groupTitle(c store.Category) string {
	if c.Valid() {
		return c.Title()
	}
	return string(c)
}

// buildLagging writes the 催办: the status of each open milestone, then the
// schools that owe any, by category, each with its 学习管理员. Admins with a
// DingTalk id are mentioned; with Direct each also gets a 1:1 message.
func (s *Scheduler) buildLagging(ctx context.Context, at time.Time) ([]draft, error) {
	l, err := report.BuildLagging(ctx, s.reg, "", "")
	if err != nil {
		return nil, fmt.Errorf("lagging: %w", err)
	}
	if l.Total == 0 {
		return nil, nil
	}
	var b strings.Builder
	b.WriteString("#### 催办：尚有" + strconv.Itoa(l.Total) + "所高校未完成工作节点\n\n")
	pending := map[string]int{}
	for _, g := range l.Groups {
		for _, lo := range g.Orgs {
			for _, m := range lo.Pending {
				pending[m.ID]++
			}
		}
	}
	for _, m := range l.Milestones {
		if pending[m.ID] == 0 {
			continue
		}
		fmt.Fprintf(&b, "- 「%s」截止%s，%s，%d所未完成\n", m.Title, s.formatDue(m.Due), s.shortCountdown(m.Due, at), pending[m.ID])
	}
	var mentions []string
	named := map[string][]string{} // who is named on which lines, for splitParts
	type direct struct {
		name  string
		lines []string
	}
	directs := map[string]*direct{}
	var order []string
	for i, g := range l.Groups {
		fmt.Fprintf(&b, "\n**%s、%s（%d 所）**\n\n", report.Numeral(i+1), groupTitle(g.Category), len(g.Orgs))
		for _, lo := range g.Orgs {
			a := lo.Org.Admin
			owes := owed(lo.Pending)
			line := fmt.Sprintf("- %s：未完成%s；学习管理员：%s", lo.Org.Name, owes, adminText(a))
			b.WriteString(line + "\n")
			if a.UserID == "" {
				continue
			}
			named[a.UserID] = append(named[a.UserID], line)
			if !slices.Contains(mentions, a.UserID) {
				mentions = append(mentions, a.UserID)
			}
			d := directs[a.UserID]
			if d == nil {
				d = &direct{name: a.Name}
				directs[a.UserID] = d
				order = append(order, a.UserID)
			}
			for _, m := range lo.Pending {
				d.lines = append(d.lines, fmt.Sprintf("- %s：「%s」截止%s，%s", lo.Org.Name, m.Title, s.formatDue(m.Due), s.shortCountdown(m.Due, at)))
			}
		}
	}
	b.WriteString("\n请以上高校学习管理员抓紧完成，完成后在群内告知。")
	msgs := []draft{{OutMsg: store.OutMsg{
		To: "group", Title: "催办：尚有" + strconv.Itoa(l.Total) + "所高校未完成工作节点",
		Markdown: b.String(), Mentions: mentions,
	}, named: named}}
	if !s.direct {
		return msgs, nil
	}
	for _, id := range order {
		d := directs[id]
		hello := "您好"
		if d.name != "" {
			hello = d.name + "，您好"
		}
		msgs = append(msgs, draft{OutMsg: store.OutMsg{
			ID: "u-" + id, To: "user:" + id, Title: "工作提醒：请尽快完成学习强国工作节点",
			Markdown: "#### 工作提醒\n\n" + hello + "！您负责的学习组织尚有工作节点未完成：\n\n" +
				strings.Join(d.lines, "\n") + "\n\n请尽快完成，完成后在工作群内告知。",
		}})
	}
	return msgs, nil
}

// owed names the milestones a school has not finished by their short names.
func owed(ms []store.Milestone) string {
	shorts := make([]string, len(ms))
	for i, m := range ms {
		shorts[i] = m.Short
		if shorts[i] == "" {
			shorts[i] = m.Title
		}
	}
	return strings.Join(shorts, "、")
}

// adminText names an admin for the text; the Poster adds the @ for a
// UserID where the channel can.
func adminText(a store.Admin) string {
	switch {
	case a.Name != "":
		return a.Name
	case a.UserID != "":
		return "已登记"
	}
	return "未登记"
}

// DashboardLinkTitle labels the dashboard's button under the weekly report.
const DashboardLinkTitle = "打开进度看板"

// buildReport writes the weekly 通报: the /summary renderer with the changes
// since the previous scheduled report.
func (s *Scheduler) buildReport(ctx context.Context, at time.Time) ([]draft, error) {
	since := s.lastReport(at)
	sum, err := report.BuildSummary(ctx, s.reg, at, since)
	if err != nil {
		return nil, fmt.Errorf("summary: %w", err)
	}
	local := at.In(s.loc)
	title := fmt.Sprintf("每周通报（%d月%d日）", local.Month(), local.Day())
	m := store.OutMsg{To: "group", Title: title, Markdown: "## " + title + "\n\n" + sum.Markdown()}
	if s.dashboard != "" {
		m.LinkTitle, m.LinkURL = DashboardLinkTitle, s.dashboard
	}
	return []draft{{OutMsg: m}}, nil
}

// lastReport is the previous scheduled report before at that ran (on a
// working day when WorkdaysOnly); a week before at when there is none.
func (s *Scheduler) lastReport(at time.Time) time.Time {
	j := s.job(JobReport)
	if j != nil && j.sched != nil {
		t := at.In(s.loc)
		for range 400 {
			t = prevTime(j.sched, t.Add(-time.Second))
			if t.IsZero() {
				break
			}
			if s.runsOn(t) {
				return t
			}
			// Skip the rest of the day off, however often the job ticks.
			y, m, d := t.In(s.loc).Date()
			t = time.Date(y, m, d, 0, 0, 0, 0, s.loc)
		}
	}
	return at.AddDate(0, 0, -7)
}

// days is the number of calendar days from at's date to due's date in the
// scheduler's zone: positive before the due day, negative after it.
func (s *Scheduler) days(due, at time.Time) int {
	return dayNumber(s.dueDay(due)) - dayNumber(at.In(s.loc))
}

// workdays counts the working days after at's date up to the due day.
func (s *Scheduler) workdays(at, due time.Time) int {
	d := s.dueDay(due)
	for y := at.In(s.loc).Year(); y <= d.Year(); y++ {
		s.checkYear(y)
	}
	return s.cal.Workdays(at.In(s.loc), d)
}

// dueDay is the day a due time belongs to: a due time of exactly midnight
// ends the day before (24:00), as people say it.
func (s *Scheduler) dueDay(due time.Time) time.Time {
	due = due.In(s.loc)
	if due.Hour() == 0 && due.Minute() == 0 && due.Second() == 0 {
		return due.Add(-time.Second)
	}
	return due
}

// formatDue renders a due time as 3月10日 星期日 24:00. End-of-day times
// (23:59 and later, or midnight) are written 24:00 of their day.
func (s *Scheduler) formatDue(due time.Time) string {
	d := s.dueDay(due)
	clock := d.Format("15:04")
	if d.Hour() == 23 && d.Minute() == 59 {
		clock = "24:00"
	}
	weekdays := [...]string{"星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"}
	return fmt.Sprintf("%d月%d日 %s %s", d.Month(), d.Day(), weekdays[d.Weekday()], clock)
}

// dayNumber counts days since the epoch for t's date in its own zone.
func dayNumber(t time.Time) int {
	y, m, d := t.Date()
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}
