package commands

import (
	"context"
	"fmt"

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
	// The summary covers every school; an argument would be silently
	// ignored, so say what to use instead. Without a slash (汇总一下 情况)
	// the words are chat, not arguments.
	if req.Slash && len(req.Args) > 0 {
		if c, ok := categoryWords[lowerASCII(req.Args[0])]; ok {
			return bot.Reply{}, usage(req.Command, fmt.Sprintf("汇总总是包括全部高校，不能只看%s；查看未完成的%s请发送 /lagging %s。",
				c.Title(), c.Title(), req.Args[0]))
		}
		return bot.Reply{}, usage(req.Command, "/summary 不带参数。")
	}
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
