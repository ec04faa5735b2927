package commands

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"xuexibot/bot"
	"xuexibot/report"
	"xuexibot/store"
)

func (r *Router) doneCommand() Command {
	return Command{
		Name: "done", Aliases: []string{"完成", "已完成"},
		Help:  "登记一所学校完成了一个工作节点",
		Usage: "/done 学校名称 工作节点（认证|安装）", Example: "/done 湖南警察学院 认证",
		MinArgs: 2, Admin: true, OrgArg: true,
		Handler: HandlerFunc(func(ctx context.Context, req *Request) (bot.Reply, error) { return r.mark(ctx, req, true) }),
	}
}

func (r *Router) undoCommand() Command {
	return Command{
		Name: "undo", Aliases: []string{"撤销", "取消完成"},
		Help:  "撤销一所学校某个工作节点的完成登记",
		Usage: "/undo 学校名称 工作节点（认证|安装）", Example: "/undo 湖南警察学院 认证",
		MinArgs: 2, Admin: true, OrgArg: true,
		Handler: HandlerFunc(func(ctx context.Context, req *Request) (bot.Reply, error) { return r.mark(ctx, req, false) }),
	}
}

// errUnchanged stops an Update that would change nothing.
var errUnchanged = errors.New("unchanged")

// mark sets or clears one milestone of one org.
func (r *Router) mark(ctx context.Context, req *Request, done bool) (bot.Reply, error) {
	n := len(req.Args)
	o, err := r.resolveOrg(ctx, strings.Join(req.Args[:n-1], " "))
	if err != nil {
		return bot.Reply{}, err
	}
	req.About(o)
	ms, err := r.reg.Milestones(ctx)
	if err != nil {
		return bot.Reply{}, err
	}
	m, ok := findMilestone(ms, req.Args[n-1])
	if !ok {
		return bot.Reply{}, unknownMilestone(ms, req.Args[n-1])
	}
	if !m.Applies(o) {
		return bot.Reply{}, userErr("%s 不参与「%s」（只统计纳入统计的高校）。", o.Name, m.Title)
	}
	var before store.Progress
	after, err := r.reg.Update(ctx, o.ID, req.Meta(), func(o *store.Org) error {
		before = o.Progress[m.ID]
		if before.Done == done {
			return errUnchanged
		}
		if o.Progress == nil {
			o.Progress = map[string]store.Progress{}
		}
		o.Progress[m.ID] = store.Progress{Done: done, At: req.Now, By: req.Actor()}
		return nil
	})
	if errors.Is(err, errUnchanged) {
		if done {
			return bot.Reply{Markdown: fmt.Sprintf("%s 已于 %s 登记完成「%s」，无需重复登记。", o.Name, day(before, r), m.Title)}, nil
		}
		return bot.Reply{Markdown: fmt.Sprintf("%s 尚未登记完成「%s」，无需撤销。", o.Name, m.Title)}, nil
	}
	if err != nil {
		return bot.Reply{}, err
	}
	pending, err := r.reg.Count(ctx, store.IndexPending(m.ID))
	if err != nil {
		return bot.Reply{}, err
	}
	verb := "登记完成"
	if !done {
		verb = "撤销完成登记"
	}
	md := fmt.Sprintf("已为 **%s** %s「%s」（%s，%s）。\n\n「%s」尚有 %d 所高校未完成，截止 %s，%s。",
		after.Name, verb, m.Title, report.FormatTime(req.Now), req.Actor(), m.Title, pending,
		report.FormatDue(m.Due, req.Now), report.Countdown(m.Due, req.Now))
	return bot.Reply{Title: after.Name + " " + verb, Markdown: md}, nil
}

func day(p store.Progress, r *Router) string {
	if p.At.IsZero() {
		return "此前"
	}
	return p.At.In(r.loc).Format("2006-01-02")
}
