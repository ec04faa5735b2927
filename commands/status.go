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
	// The milestones do not depend on the school: read them while the name
	// resolves, so a networked store pays one round trip less in sequence.
	type milestones struct {
		ms  []store.Milestone
		err error
	}
	msc := make(chan milestones, 1) // buffered: an early return leaves no goroutine behind
	go func() {
		ms, err := r.reg.Milestones(ctx)
		msc <- milestones{ms, err}
	}()
	o, err := r.resolveOrg(ctx, query)
	if err != nil {
		if req.Implicit && store.ErrorCode(err) == store.ENotFound {
			return bot.Reply{}, store.Errorf(store.ENotFound, "%s发送学校名称查询进度，发送“进度”查看汇总，发送 /帮助 查看全部命令。", store.ErrorMessage(err))
		}
		return bot.Reply{}, err
	}
	got := <-msc
	if got.err != nil {
		return bot.Reply{}, got.err
	}
	ms := got.ms
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
	// Every accepted write stamps the org (store.Registry.Update), so the
	// last change needs no read of the history; refused attempts do not stamp.
	if !o.UpdatedAt.IsZero() {
		fmt.Fprintf(&b, "- 最近变更：%s，%s\n", report.FormatTime(o.UpdatedAt), o.UpdatedBy)
	}
	return bot.Reply{Title: o.Name + " 进度", Markdown: strings.TrimRight(b.String(), "\n")}, nil
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
