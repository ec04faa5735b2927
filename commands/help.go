package commands

import (
	"context"
	"fmt"
	"strings"

	"xuexibot/bot"
)

func (r *Router) helpCommand() Command {
	return Command{
		Name: "help", Aliases: []string{"帮助", "说明", "?", "h"},
		Help:  "列出全部命令，或查看一个命令的用法",
		Usage: "/help [命令]", Example: "/help set",
		Handler: HandlerFunc(r.help),
	}
}

func (r *Router) help(ctx context.Context, req *Request) (bot.Reply, error) {
	if len(req.Args) > 0 {
		name := lowerASCII(strings.TrimPrefix(req.Args[0], "/"))
		c := r.byName[name]
		if c == nil {
			return bot.Reply{}, r.unknown(name)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "**/%s**", c.Name)
		if len(c.Aliases) > 0 {
			fmt.Fprintf(&b, "（也可写 /%s）", strings.Join(c.Aliases, "、/"))
		}
		b.WriteString("\n\n" + c.Help + "。\n\n用法：" + c.Usage)
		if c.Example != "" {
			b.WriteString("\n\n例如：" + c.Example)
		}
		switch {
		case c.Admin:
			b.WriteString("\n\n只有管理员可以使用。")
		case c.AdminArgs:
			b.WriteString("\n\n带参数时只有管理员可以使用。")
		}
		return bot.Reply{Title: "帮助：/" + c.Name, Markdown: b.String()}, nil
	}
	var b strings.Builder
	b.WriteString("### xuexibot 命令\n\n")
	for _, c := range r.cmds {
		fmt.Fprintf(&b, "- **%s**：%s", c.Usage, c.Help)
		if len(c.Aliases) > 0 {
			fmt.Fprintf(&b, "（/%s）", c.Aliases[0])
		}
		switch {
		case c.Admin:
			b.WriteString("〔管理员〕")
		case c.AdminArgs:
			b.WriteString("〔修改需管理员〕")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n不带斜杠直接发送学校名称即可查询进度；发送“进度”查看汇总；发送 /history 查看近 30 天的全部变更记录（含被拒绝的操作）。发送 /help 命令 查看详细用法。")
	return bot.Reply{Title: "帮助", Markdown: b.String()}, nil
}
