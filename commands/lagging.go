package commands

import (
	"context"
	"strings"

	"xuexibot/bot"
	"xuexibot/report"
	"xuexibot/store"
)

func (r *Router) laggingCommand() Command {
	return Command{
		Name: "lagging", Aliases: []string{"未完成", "落后", "名单", "lag"},
		Help:  "列出未完成工作节点的学校，按类别分组；可只看一个类别或一个工作节点",
		Usage: "/lagging [本科|高专|高职] [认证|安装]", Example: "/lagging 认证",
		Handler: HandlerFunc(r.lagging),
	}
}

// categoryWords maps what people type to a category.
var categoryWords = map[string]store.Category{
	"本科": store.Undergraduate, "本科学校": store.Undergraduate, "本科院校": store.Undergraduate, "undergraduate": store.Undergraduate,
	"高专": store.Junior, "高等专科学校": store.Junior, "专科": store.Junior, "junior": store.Junior,
	"高职": store.Vocational, "高等职业学院": store.Vocational, "高职院校": store.Vocational, "vocational": store.Vocational,
}

func (r *Router) lagging(ctx context.Context, req *Request) (bot.Reply, error) {
	ms, err := r.reg.Milestones(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	var cat store.Category
	var m *store.Milestone
	for _, a := range req.Args {
		if c, ok := categoryWords[lowerASCII(a)]; ok {
			if cat != "" && c != cat {
				return bot.Reply{}, userErr("只能指定一个类别（本科、高专、高职），不写则列出全部类别。")
			}
			cat = c
			continue
		}
		if found, ok := findMilestone(ms, a); ok {
			if m != nil && found.ID != m.ID {
				return bot.Reply{}, userErr("只能指定一个工作节点；不写则列出有任一工作节点未完成的学校。")
			}
			m = &found
			continue
		}
		return bot.Reply{}, userErr("看不懂“%s”：这里可以写类别（本科、高专、高职）或工作节点（%s）。", a, milestoneWords(ms))
	}
	id := ""
	if m != nil {
		id = m.ID
	}
	l, err := report.BuildLagging(ctx, r.reg, id, cat)
	if err != nil {
		return bot.Reply{}, err
	}
	md := l.Markdown()
	if m != nil {
		deadline := "截止 " + report.FormatDue(m.Due, req.Now) + "，" + report.Countdown(m.Due, req.Now) + "。"
		head, rest, _ := strings.Cut(md, "\n\n")
		md = head + "\n\n" + deadline
		if rest != "" {
			md += "\n\n" + rest
		}
	}
	return bot.Reply{Title: l.Heading(), Markdown: md}, nil
}
