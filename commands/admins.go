package commands

import (
	"context"
	"slices"
	"strings"

	"xuexibot/bot"
)

func (r *Router) adminsCommand() Command {
	return Command{
		Name: "admins", Aliases: []string{"管理员", "管理员名单"},
		Help:  "列出可以修改数据的管理员（钉钉ID）",
		Usage: "/admins", Handler: HandlerFunc(r.listAdmins),
	}
}

func (r *Router) listAdmins(ctx context.Context, req *Request) (bot.Reply, error) {
	if len(r.admins) == 0 {
		return bot.Reply{Markdown: "尚未配置管理员（配置项 admins），所有修改数据的命令都会被拒绝。"}, nil
	}
	ids := make([]string, 0, len(r.admins))
	for id := range r.admins {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	var b strings.Builder
	b.WriteString("**可以修改数据的管理员（钉钉ID）**\n\n")
	for _, id := range ids {
		b.WriteString("- " + id + "\n")
	}
	if req.Admin {
		b.WriteString("\n你是管理员。")
	} else {
		b.WriteString("\n你不是管理员；如需修改数据，请联系以上管理员。")
	}
	return bot.Reply{Title: "管理员", Markdown: strings.TrimRight(b.String(), "\n")}, nil
}
