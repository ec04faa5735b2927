package commands

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"xuexibot/bot"
	"xuexibot/report"
	"xuexibot/store"
)

func (r *Router) remindCommand() Command {
	return Command{
		Name: "remind", Aliases: []string{"提醒", "立即提醒"},
		Help:  "立即执行一个定时提醒（deadline 倒计时、lagging 催办、report 通报）",
		Usage: "/remind 任务（deadline|lagging|report 或 倒计时|催办|通报）", Example: "/remind 催办",
		MinArgs: 1, Admin: true, Handler: HandlerFunc(r.remind),
	}
}

func (r *Router) scheduleCommand() Command {
	return Command{
		Name: "schedule", Aliases: []string{"定时", "计划", "定时任务"},
		Help:  "列出定时提醒及下次执行时间",
		Usage: "/schedule", Handler: HandlerFunc(r.schedule),
	}
}

// jobTitles are the Chinese names of the reminder jobs.
var jobTitles = map[string]string{"deadline": "倒计时", "lagging": "催办", "report": "通报"}

// remindOff answers /remind and /schedule where no scheduler runs: only
// `xuexibot run` has one (the console sends no reminders).
const remindOff = "控制台中不运行定时提醒；部署后由 xuexibot run 按配置发送，届时在群里发送 /schedule 查看。"

func jobTitle(job string) string {
	if t, ok := jobTitles[job]; ok {
		return t + "（" + job + "）"
	}
	return job
}

// findJob reads a job as people name it: deadline or 倒计时.
func (r *Router) findJob(word string) (string, bool) {
	w := lowerASCII(strings.TrimSpace(word))
	for _, j := range r.sched.JobNames() {
		if w == j || w == jobTitles[j] {
			return j, true
		}
	}
	return "", false
}

func (r *Router) remind(ctx context.Context, req *Request) (bot.Reply, error) {
	if r.sched == nil {
		return bot.Reply{Markdown: remindOff}, nil
	}
	job, ok := r.findJob(req.Args[0])
	if !ok {
		names := make([]string, 0)
		for _, j := range r.sched.JobNames() {
			names = append(names, jobTitle(j))
		}
		return bot.Reply{}, userErr("没有定时任务“%s”。可用：%s。", req.Args[0], strings.Join(names, "、"))
	}
	if err := r.sched.RunJob(ctx, job); err != nil {
		if store.ErrorCode(err) != store.EInternal {
			return bot.Reply{}, err
		}
		r.log.Error("remind: run job", "job", job, "err", err)
		return bot.Reply{}, store.Errorf(store.EInternal, "执行“%s”失败，请稍后再试；如持续出现请联系运维。", jobTitle(job))
	}
	return bot.Reply{Markdown: fmt.Sprintf("已执行%s，消息已进入发送队列。", jobTitle(job))}, nil
}

func (r *Router) schedule(ctx context.Context, req *Request) (bot.Reply, error) {
	if r.sched == nil {
		return bot.Reply{Markdown: remindOff}, nil
	}
	jobs := slices.Clone(r.sched.JobNames())
	var b strings.Builder
	b.WriteString("**定时提醒**\n\n")
	for _, j := range jobs {
		spec := r.sched.Spec(j)
		if spec == "" {
			fmt.Fprintf(&b, "- %s：已关闭\n", jobTitle(j))
			continue
		}
		next := "—"
		if n := r.sched.Next(j); !n.IsZero() {
			next = report.FormatTime(n)
		}
		fmt.Fprintf(&b, "- %s：%s，下次 %s\n", jobTitle(j), spec, next)
	}
	if len(jobs) == 0 {
		b.WriteString("没有定时任务。\n")
	}
	return bot.Reply{Title: "定时提醒", Markdown: strings.TrimRight(b.String(), "\n")}, nil
}
