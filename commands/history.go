package commands

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"xuexibot/bot"
	"xuexibot/report"
)

func (r *Router) historyCommand() Command {
	return Command{
		Name: "history", Aliases: []string{"记录", "历史", "日志", "变更记录"},
		Help:  "查看变更记录（最新的在前，可翻页）：写学校名称看一所学校的；不写则看近 30 天的全部记录，含截止时间调整和被拒绝的操作",
		Usage: "/history [学校名称|全部] [页码]", Example: "/history 湖南警察学院 2",
		Handler: HandlerFunc(r.history),
	}
}

// HistoryPage is how many changes one page of /history shows.
const HistoryPage = 10

// maxHistoryPage bounds the pages walked to reach one of a school's
// history, since each page costs a store call.
const maxHistoryPage = 100

// TrailWindow is how far back /history without a school reads.
const TrailWindow = 30 * 24 * time.Hour

// allWords name the general trail in /history 全部.
var allWords = []string{"全部", "所有", "全部记录", "all"}

func (r *Router) history(ctx context.Context, req *Request) (bot.Reply, error) {
	args := req.Args
	page := 1
	if n := len(args); n > 0 {
		if p, ok, err := parsePage(args[n-1]); err != nil {
			return bot.Reply{}, err
		} else if ok {
			page, args = p, args[:n-1]
		}
	}
	if len(args) == 0 || (len(args) == 1 && slices.Contains(allWords, lowerASCII(args[0]))) {
		return r.trail(ctx, req, page)
	}
	o, err := r.resolveOrg(ctx, strings.Join(args, " "))
	if err != nil {
		// 湖南警察学院 abc: a school and a word that is no page number.
		if n := len(args); n > 1 {
			if o2, err2 := r.resolveOrg(ctx, strings.Join(args[:n-1], " ")); err2 == nil {
				return bot.Reply{}, badPage(args[n-1], o2.Name)
			}
		}
		return bot.Reply{}, err
	}
	if page > maxHistoryPage {
		return bot.Reply{}, userErr("页码“%d”无效：应为 1 到 %d 之间的整数。", page, maxHistoryPage)
	}
	cursor := ""
	for i := 1; i < page; i++ {
		_, next, err := r.reg.History(ctx, o.ID, cursor, HistoryPage)
		if err != nil {
			return bot.Reply{}, err
		}
		if next == "" {
			return bot.Reply{}, userErr("%s 的变更记录只有 %d 页。", o.Name, i)
		}
		cursor = next
	}
	chs, next, err := r.reg.History(ctx, o.ID, cursor, HistoryPage)
	if err != nil {
		return bot.Reply{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**%s 的变更记录（第 %d 页，最新的在前）**\n\n", o.Name, page)
	if len(chs) == 0 {
		b.WriteString("暂无记录。\n")
	}
	for i, ch := range chs {
		fmt.Fprintf(&b, "%d. %s\n", (page-1)*HistoryPage+i+1, report.ChangeLine(ch))
	}
	if next != "" {
		fmt.Fprintf(&b, "\n更早的记录：发送 /history %s %d\n", o.Name, page+1)
	}
	return bot.Reply{Title: o.Name + " 变更记录", Markdown: strings.TrimRight(b.String(), "\n")}, nil
}

// trail is the general audit trail: every change of the last TrailWindow,
// refused attempts and changes about no school (deadlines) included, so
// what no school's history holds can be seen somewhere. It reads only the
// newest changes up to the page asked for, plus one to know whether an
// older page exists, so its cost follows the page, not the window; the
// total is therefore not known and not claimed.
func (r *Router) trail(ctx context.Context, req *Request, page int) (bot.Reply, error) {
	if page > maxHistoryPage {
		return bot.Reply{}, userErr("页码“%d”无效：应为 1 到 %d 之间的整数。", page, maxHistoryPage)
	}
	chs, err := r.reg.Latest(ctx, req.Now.Add(-TrailWindow), page*HistoryPage+1, true)
	if err != nil {
		return bot.Reply{}, err
	}
	from := (page - 1) * HistoryPage
	if page > 1 && len(chs) <= from {
		// Short of the page, the store gave everything: the count is exact.
		if len(chs) == 0 {
			return bot.Reply{}, userErr("近 30 天暂无变更记录。")
		}
		return bot.Reply{}, userErr("近 30 天的变更记录只有 %d 页。", (len(chs)+HistoryPage-1)/HistoryPage)
	}
	shown := chs[from:min(len(chs), from+HistoryPage)]
	more := len(chs) > from+HistoryPage
	refused := 0
	for _, ch := range shown {
		if ch.Refused {
			refused++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "**近 30 天的全部变更记录（第 %d 页，最新的在前）**\n\n", page)
	if len(shown) == 0 {
		b.WriteString("暂无记录。\n")
	} else {
		fmt.Fprintf(&b, "本页 %d 条，其中被拒绝的操作 %d 条。\n\n", len(shown), refused)
	}
	for i, ch := range shown {
		fmt.Fprintf(&b, "%d. %s\n", from+i+1, report.ChangeLine(ch))
	}
	switch {
	case more && page < maxHistoryPage:
		fmt.Fprintf(&b, "\n更早的记录：发送 /history 全部 %d\n", page+1)
	case more:
		fmt.Fprintf(&b, "\n更早的记录不再分页显示，请按学校查看：/history 学校名称\n")
	case len(shown) > 0:
		b.WriteString("\n已是近 30 天最早的记录。\n")
	}
	return bot.Reply{Title: "全部变更记录", Markdown: strings.TrimRight(b.String(), "\n")}, nil
}

// parsePage reads a page number: 2, 第2页. ok is false for a word that does
// not look like one (part of a school's name); a number that cannot be a
// page (0, -1, 1.5) is an error.
func parsePage(w string) (page int, ok bool, err error) {
	s := strings.TrimSuffix(strings.TrimPrefix(w, "第"), "页")
	num := strings.TrimLeft(s, "+-")
	if len(num) < len(s)-1 || !isDigits(strings.Replace(num, ".", "", 1)) {
		return 0, false, nil
	}
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 {
		return 0, false, badPage(w, "")
	}
	return p, true, nil
}

// badPage is the error for a page number that is none.
func badPage(w, school string) error {
	msg := "页码“" + w + "”无效：页码应为不小于 1 的整数"
	if school != "" {
		msg += "，例如 /history " + school + " 2"
	}
	return userErr("%s。", msg)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
