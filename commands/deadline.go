package commands

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"xuexibot/bot"
	"xuexibot/report"
)

func (r *Router) deadlineCommand() Command {
	return Command{
		Name: "deadline", Aliases: []string{"截止", "截止时间", "期限", "dl"},
		Help:  "列出各工作节点的截止时间；管理员可修改",
		Usage: "/deadline [工作节点 YYYY-MM-DD [HH:MM]]", Example: "/deadline 认证 2019-03-15 18:00",
		AdminArgs: true, Handler: HandlerFunc(r.deadline),
	}
}

// The years a deadline may fall in: outside them a date is a typo.
const minYear, maxYear = 2000, 2100

var (
	dateRe = regexp.MustCompile(`^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$`)
	timeRe = regexp.MustCompile(`^(\d{1,2})[:点时](\d{2})(?::(\d{2}))?分?$`)
)

func (r *Router) deadline(ctx context.Context, req *Request) (bot.Reply, error) {
	ms, err := r.reg.Milestones(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	if len(req.Args) == 0 {
		var b strings.Builder
		b.WriteString("**工作节点截止时间**\n\n")
		for i, m := range ms {
			fmt.Fprintf(&b, "%d. %s（%s）：截止 %s，%s\n", i+1, m.Title, m.Short, report.FormatDue(m.Due, req.Now), report.Countdown(m.Due, req.Now))
		}
		if len(ms) == 0 {
			b.WriteString("暂无工作节点。\n")
		}
		return bot.Reply{Title: "截止时间", Markdown: strings.TrimRight(b.String(), "\n")}, nil
	}
	if len(req.Args) < 2 || len(req.Args) > 3 {
		return bot.Reply{}, usage(req.Command, "参数个数不对。")
	}
	m, ok := findMilestone(ms, req.Args[0])
	if !ok {
		return bot.Reply{}, unknownMilestone(ms, req.Args[0])
	}
	timeText := ""
	if len(req.Args) == 3 {
		timeText = req.Args[2]
	}
	due, err := parseDue(req.Args[1], timeText, r.loc)
	if err != nil {
		return bot.Reply{}, err
	}
	old := m.Due
	// Compare as people read deadlines (23:59 and 24:00 are the same end of
	// the day), as the store's audit does: a difference nobody can see is
	// no change, and the store would not record it either.
	if due.Equal(old) || report.FormatDue(due, req.Now) == report.FormatDue(old, req.Now) {
		return bot.Reply{Markdown: fmt.Sprintf("「%s」的截止时间已是 %s，没有改动。", m.Title, report.FormatDue(old, req.Now))}, nil
	}
	m.Due = due
	if err := r.reg.SetMilestone(ctx, req.Meta(), m); err != nil {
		return bot.Reply{}, err
	}
	md := fmt.Sprintf("已将「%s」的截止时间由 %s 改为 **%s**（%s）。", m.Title,
		report.FormatDue(old, req.Now), report.FormatDue(due, req.Now), report.Countdown(due, req.Now))
	return bot.Reply{Title: "截止时间已修改", Markdown: md}, nil
}

// parseDue reads YYYY-MM-DD and an optional HH:MM[:SS] in loc; without a
// time the deadline is the end of that day (23:59:59).
func parseDue(date, clock string, loc *time.Location) (time.Time, error) {
	dm := dateRe.FindStringSubmatch(date)
	if dm == nil {
		return time.Time{}, userErr("日期“%s”格式不对，请写 YYYY-MM-DD，例如 2019-03-10。", date)
	}
	y, _ := strconv.Atoi(dm[1])
	mo, _ := strconv.Atoi(dm[2])
	d, _ := strconv.Atoi(dm[3])
	if y < minYear || y > maxYear {
		return time.Time{}, userErr("日期“%s”超出范围：年份应在 %d 到 %d 之间。", date, minYear, maxYear)
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, time.Month(mo)) {
		return time.Time{}, userErr("日期“%s”不存在。", date)
	}
	h, mi, s := 23, 59, 59
	if clock != "" {
		tm := timeRe.FindStringSubmatch(clock)
		if tm == nil {
			return time.Time{}, userErr("时间“%s”格式不对，请写 HH:MM，例如 18:00。", clock)
		}
		h, _ = strconv.Atoi(tm[1])
		mi, _ = strconv.Atoi(tm[2])
		s = 0
		if tm[3] != "" {
			s, _ = strconv.Atoi(tm[3])
		}
		if h > 24 || mi > 59 || s > 59 || (h == 24 && (mi > 0 || s > 0)) {
			return time.Time{}, userErr("时间“%s”不存在。", clock)
		}
		if h == 24 || (h == 23 && mi == 59) { // 24:00 is how notices say "by the end of the day"
			h, mi, s = 23, 59, 59
		}
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, 0, loc), nil
}

func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
