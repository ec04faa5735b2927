package commands

import (
	"context"
	"fmt"
	"strings"

	"xuexibot/bot"
	"xuexibot/report"
	"xuexibot/store"
)

func (r *Router) statusCommand() Command {
	return Command{
		Name: "status", Aliases: []string{"状态", "进度", "查询", "st"},
		Help:  "查看一所学校的进度：类别、学习管理员、各工作节点、党支部和党员数",
		Usage: "/status 学校名称", Example: "/status 湖南警察学院",
		MinArgs: 1, Handler: HandlerFunc(r.status),
	}
}

func (r *Router) status(ctx context.Context, req *Request) (bot.Reply, error) {
	query := strings.Join(req.Args, " ")
	o, err := r.resolveOrg(ctx, query)
	if err != nil {
		if req.Implicit && store.ErrorCode(err) == store.ENotFound {
			return bot.Reply{}, store.Errorf(store.ENotFound, "%s发送学校名称查询进度，发送“进度”查看汇总，发送 /帮助 查看全部命令。", store.ErrorMessage(err))
		}
		return bot.Reply{}, err
	}
	ms, err := r.reg.Milestones(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n", o.Name)
	if o.Category != "" {
		fmt.Fprintf(&b, "- 类别：%s\n", o.Category.Title())
	}
	if !o.InScope {
		b.WriteString("- 纳入统计：否（不计入汇总和催办）\n")
	}
	b.WriteString("- 学习管理员：" + adminText(o.Admin) + "\n")
	for _, m := range ms {
		if !m.Applies(o) {
			continue
		}
		p := o.Progress[m.ID]
		if p.Done {
			when := ""
			if !p.At.IsZero() {
				when = "（" + p.At.In(r.loc).Format("2006-01-02") + "）"
			}
			fmt.Fprintf(&b, "- %s：**已完成**%s\n", m.Title, when)
		} else {
			fmt.Fprintf(&b, "- %s：**未完成**，截止 %s，%s\n", m.Title, report.FormatDue(m.Due, req.Now), report.Countdown(m.Due, req.Now))
		}
	}
	if o.Level == store.LevelUniversity {
		fmt.Fprintf(&b, "- 党支部：%d 个，已覆盖 %d 个，覆盖率 %s\n", o.Branches, o.BranchesCovered, store.Percent(store.Rate(o.BranchesCovered, o.Branches)))
		fmt.Fprintf(&b, "- 党员：%d 名，已激活 %d 名，激活率 %s\n", o.Members, o.MembersActivated, store.Percent(store.Rate(o.MembersActivated, o.Members)))
	}
	if last, ok := r.lastChange(ctx, o); ok {
		fmt.Fprintf(&b, "- 最近变更：%s，%s\n", report.FormatTime(last.At), last.Actor)
	}
	return bot.Reply{Title: o.Name + " 进度", Markdown: strings.TrimRight(b.String(), "\n")}, nil
}

// lastChange is the newest change that was not refused, falling back to
// the org's own stamp when its history is empty (seeded data).
func (r *Router) lastChange(ctx context.Context, o store.Org) (store.Change, bool) {
	chs, _, err := r.reg.History(ctx, o.ID, "", 10)
	if err == nil {
		for _, c := range chs {
			if !c.Refused {
				return c, true
			}
		}
	} else {
		// The status itself is still worth showing.
		r.log.Warn("status: history", "org", o.ID, "err", err)
		r.storeFailed(err)
	}
	if !o.UpdatedAt.IsZero() {
		return store.Change{At: o.UpdatedAt, Actor: o.UpdatedBy}, true
	}
	return store.Change{}, false
}

func adminText(a store.Admin) string {
	if a.Name == "" && a.UserID == "" && a.Mobile == "" {
		return "未登记"
	}
	var parts []string
	if a.Name != "" {
		parts = append(parts, a.Name)
	}
	if a.Mobile != "" {
		parts = append(parts, "手机 "+a.Mobile)
	}
	if a.UserID != "" {
		parts = append(parts, "钉钉ID "+a.UserID)
	}
	return strings.Join(parts, "，")
}
