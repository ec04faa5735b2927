package commands

import (
	"context"

	"xuexibot/bot"
	"xuexibot/report"
)

func (r *Router) summaryCommand() Command {
	return Command{
		Name: "summary", Aliases: []string{"汇总", "通报", "总览", "统计", "sum"},
		Help:    "全省进度汇总：各工作节点完成情况、覆盖率与激活率、红黑榜、近期变化",
		Usage:   "/summary",
		Handler: HandlerFunc(r.summary),
	}
}

func (r *Router) summary(ctx context.Context, req *Request) (bot.Reply, error) {
	s, err := report.BuildSummary(ctx, r.reg, req.Now, req.Now.Add(-r.window))
	if err != nil {
		return bot.Reply{}, err
	}
	reply := bot.Reply{Title: "进度汇总", Markdown: s.Markdown()}
	if r.dash != "" {
		reply.Link = &bot.Link{Title: "打开进度看板", URL: r.dash}
	}
	return reply, nil
}
