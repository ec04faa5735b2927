package commands

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"xuexibot/bot"
	"xuexibot/report"
)

func (r *Router) historyCommand() Command {
	return Command{
		Name: "history", Aliases: []string{"记录", "历史", "日志", "变更记录"},
		Help:  "查看一所学校的变更记录，最新的在前；可翻页",
		Usage: "/history 学校名称 [页码]", Example: "/history 湖南警察学院 2",
		MinArgs: 1, Handler: HandlerFunc(r.history),
	}
}

// HistoryPage is how many changes one page of /history shows.
const HistoryPage = 10

// maxHistoryPage bounds the pages walked to reach one, since each page
// costs a store call.
const maxHistoryPage = 100

func (r *Router) history(ctx context.Context, req *Request) (bot.Reply, error) {
	args := req.Args
	page := 1
	if n := len(args); n > 1 && isDigits(args[n-1]) {
		p, err := strconv.Atoi(args[n-1])
		if err != nil || p < 1 || p > maxHistoryPage {
			return bot.Reply{}, userErr("页码“%s”无效：应为 1 到 %d 之间的整数。", args[n-1], maxHistoryPage)
		}
		page, args = p, args[:n-1]
	}
	o, err := r.resolveOrg(ctx, strings.Join(args, " "))
	if err != nil {
		return bot.Reply{}, err
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
