package remind

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"xuexibot/bot/dingtalk"
	"xuexibot/bot/dingtalk/dingtalktest"
	"xuexibot/store"
)

// fakeClient is the real DingTalk client on a fresh fake; with webhook the
// custom robot is configured too.
func fakeClient(t *testing.T, webhook bool) (*dingtalk.Client, *dingtalktest.Server) {
	t.Helper()
	fake := dingtalktest.NewServer(t)
	cfg := dingtalk.Config{
		ClientID: fake.ClientID, ClientSecret: fake.ClientSecret, RobotCode: fake.RobotCode,
		GroupID: fake.GroupID, APIHost: fake.URL,
	}
	if webhook {
		cfg.WebhookURL, cfg.WebhookSecret = fake.WebhookURL(), fake.WebhookSecret
	}
	client, err := dingtalk.NewClient(cfg, dingtalk.Options{Retries: -1, Backoff: time.Millisecond, GroupRate: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return client, fake
}

// everyoneLagging makes every school owe every milestone, with a long
// admin entry, so the 催办 is well over one message's limit.
func everyoneLagging(t *testing.T, st backend) {
	t.Helper()
	everyoneLaggingAs(t, st, "01470%03d")
}

// everyoneLaggingAs is everyoneLagging with the admins' staffIds written
// by the format idf (one %d).
func everyoneLaggingAs(t *testing.T, st backend, idf string) {
	t.Helper()
	ctx := context.Background()
	orgs, err := st.Orgs(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for i := range orgs {
		if orgs[i].Level != 0 && orgs[i].Parent == "" {
			continue
		}
		orgs[i].Progress = nil
		orgs[i].Admin = store.Admin{Name: fmt.Sprintf("张老师（党委宣传部“学习强国”联络员 %03d）", i), UserID: fmt.Sprintf(idf, i)}
	}
	if err := st.Put(ctx, store.Meta{Actor: store.System, Command: "test"}, orgs); err != nil {
		t.Fatal(err)
	}
}

// A digest over the limit goes into the outbox as several messages, and
// each is posted once through the OpenAPI, which has no idempotency key,
// even when DingTalk fails a later part once: the sender retries only that
// part.
func TestLongDigestPartsPostedOnce(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	everyoneLagging(t, st)
	clk := newClock(at(2019, 3, 8, 9, 30))
	sched := newScheduler(t, st, clk, Config{Lagging: "30 9 * * 1-5"})
	n, err := sched.fire(ctx, sched.job(JobLagging), clk.Now(), false)
	if err != nil {
		t.Fatal(err)
	}
	q := queued(t, st)
	if n < 2 || len(q) != n {
		t.Fatalf("%d messages queued (fire said %d), want a digest in parts", len(q), n)
	}
	base := fmt.Sprintf("lagging-%d", clk.Now().Unix())
	for i, m := range q {
		if m.ID != fmt.Sprintf("%s-p%d", base, i+1) || m.Job != JobLagging || !m.Tick.Equal(clk.Now()) ||
			!strings.HasSuffix(m.Title, fmt.Sprintf("（%d/%d）", i+1, n)) || len(m.Mentions) == 0 {
			t.Errorf("part %d: id %s job %s tick %v title %s, %d mentions", i+1, m.ID, m.Job, m.Tick, m.Title, len(m.Mentions))
		}
		if escapedLen(m.Markdown) > maxPartBytes {
			t.Errorf("part %d: %d bytes", i+1, escapedLen(m.Markdown))
		}
	}

	// queued leased them into the far future; make them due again.
	for i := range q {
		q[i].NextTry, q[i].Attempts = clk.Now().Add(time.Duration(i)*time.Millisecond), 0
	}
	enqueue(t, st, q...)

	client, fake := fakeClient(t, false)
	fake.FailOnce(func(s dingtalktest.Sent) bool { return strings.Contains(s.Title, "（2/") })
	s := newSender(t, st, client, clk, nil)
	for round := 0; depth(t, st) > 0 && round < 10; round++ {
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	got := fake.SentVia("group")
	var titles []string
	for _, g := range got {
		titles = append(titles, g.Title)
	}
	if len(got) != n || len(slices.Compact(slices.Sorted(slices.Values(titles)))) != n {
		t.Errorf("%d group sends for %d parts: %q", len(got), n, titles)
	}
	var text strings.Builder
	for _, m := range q {
		text.WriteString(m.Markdown)
	}
	for _, want := range []string{"湖南大学", "湖南警察学院", "请以上高校学习管理员抓紧完成"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the parts lack %q", want)
		}
	}
}

// Parts keep within the Poster's limits even when escaping grows them, on
// every channel: each is posted in one send (the client refuses anything
// else). Mentions go with the first part, the button with the last; a
// message that fits keeps its id.
func TestSplitPartsFitThePoster(t *testing.T) {
	ctx := context.Background()
	line := "- \"湖南大学\"\t完成 <认证> & 安装\\\n\n" // quotes, tabs, backslashes and newlines escape to 2 bytes
	md := strings.Repeat(line, 1500) + strings.Repeat("长", 6000)
	tick := at(2019, 3, 8, 17, 0)
	msgs := splitParts([]draft{
		{OutMsg: store.OutMsg{ID: "report-1", Job: JobReport, Tick: tick, NextTry: tick, To: "group", Title: "每周通报", Markdown: md, Mentions: []string{"u1", "u2"}, LinkTitle: DashboardLinkTitle, LinkURL: "https://x.example/"}},
		{OutMsg: store.OutMsg{ID: "report-1-u-u1", Job: JobReport, Tick: tick, NextTry: tick, To: "user:u1", Title: "提醒", Markdown: md}},
		{OutMsg: store.OutMsg{ID: "short", Job: JobReport, Tick: tick, NextTry: tick, To: "group", Title: "短", Markdown: "x", LinkURL: "https://x.example/"}},
	}, maxPartBytes)
	var group, user []store.OutMsg
	for _, m := range msgs {
		switch {
		case strings.HasPrefix(m.ID, "report-1-u-u1-p"):
			user = append(user, m)
		case strings.HasPrefix(m.ID, "report-1-p"):
			group = append(group, m)
		}
	}
	if len(group) < 4 || len(user) != len(group) || msgs[len(msgs)-1].ID != "short" || msgs[len(msgs)-1].LinkURL == "" {
		t.Fatalf("%d group parts, %d user parts, last %+v", len(group), len(user), msgs[len(msgs)-1])
	}
	for i, m := range group {
		last := i == len(group)-1
		if (i == 0) != (len(m.Mentions) == 2) || last != (m.LinkURL != "") || !m.NextTry.Equal(tick.Add(time.Duration(i)*time.Millisecond)) {
			t.Errorf("part %d: mentions %v, link %q, next try %v", i+1, m.Mentions, m.LinkURL, m.NextTry)
		}
	}
	client, fake := fakeClient(t, true)
	for _, m := range msgs {
		if err := client.Post(ctx, m); err != nil {
			t.Errorf("post %s (%d bytes): %v", m.ID, len(m.Markdown), err)
		}
	}
	hooks, groups, users := fake.SentVia("webhook"), fake.SentVia("group"), fake.SentVia("user")
	if len(hooks) != 1 || len(groups) != len(group) || len(users) != len(user) {
		t.Fatalf("webhook %d, group %d, user %d sends", len(hooks), len(groups), len(users))
	}
	if hooks[0].MsgType != "markdown" || !slices.Equal(hooks[0].AtUserIDs, []string{"u1", "u2"}) {
		t.Errorf("first part: %+v", hooks[0].MsgType)
	}
	cards := 0
	for _, g := range groups {
		if g.MsgType == "sampleActionCard" && g.SingleURL == "https://x.example/" {
			cards++
		}
	}
	if cards != 2 { // the last part and the short message
		t.Errorf("%d actionCards, want 2", cards)
	}
	// Without remind's split the client would refuse it rather than half post it.
	if err := client.Post(ctx, store.OutMsg{ID: "whole", To: "group", Markdown: md}); !errors.Is(err, dingtalk.ErrTooLong) {
		t.Errorf("unsplit: %v", err)
	}
}

// With a dashboard the weekly report carries a button to it, posted as an
// actionCard; without one it is plain markdown.
func TestReportDashboardButton(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 8, 17, 0))
	const dash = "https://xuexi.example/"
	for _, url := range []string{dash, ""} {
		s := newScheduler(t, st, clk, Config{Report: "0 17 * * 5", DashboardURL: url})
		msgs, err := s.build(ctx, JobReport, clk.Now(), false)
		if err != nil || len(msgs) != 1 {
			t.Fatalf("report: %d messages, %v", len(msgs), err)
		}
		if m := msgs[0]; m.LinkURL != url || (url != "") != (m.LinkTitle == "打开进度看板") {
			t.Errorf("dashboard %q: link %q %q", url, m.LinkTitle, m.LinkURL)
		}
	}
	s := newScheduler(t, st, clk, Config{Report: "0 17 * * 5", DashboardURL: dash})
	if _, err := s.fire(ctx, s.job(JobReport), clk.Now(), false); err != nil {
		t.Fatal(err)
	}
	client, fake := fakeClient(t, true)
	if _, err := newSender(t, st, client, clk, nil).Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if g := fake.SentVia("group"); len(g) != 1 || g[0].MsgType != "sampleActionCard" || g[0].SingleURL != dash ||
		g[0].SingleTitle != "打开进度看板" || !strings.Contains(g[0].Text, "每周通报") {
		t.Errorf("report sends = %+v", fake.Sent())
	}
}

// Flush empties the outbox in one call, however many batches that takes.
func TestFlushDrainsEverythingDue(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	clk := newClock(at(2019, 3, 8, 9, 30))
	for i := range 12 {
		enqueue(t, st, msg(fmt.Sprintf("m%02d", i), fmt.Sprintf("job%d", i), clk.Now()))
	}
	// One fails and is scheduled for later: Flush does not spin on it.
	p := &recorder{fail: func(_ int, m store.OutMsg) error {
		if m.ID == "m07" {
			return errors.New("down")
		}
		return nil
	}}
	n, err := newSender(t, st, p, clk, nil).Flush(ctx)
	if err != nil || n != 12 || len(p.sent()) != 11 || depth(t, st) != 1 {
		t.Errorf("Flush leased %d (%v), sent %d, depth %d; want 12, 11, 1", n, err, len(p.sent()), depth(t, st))
	}
}

// Job names and their Chinese names.
func TestJobName(t *testing.T) {
	for in, want := range map[string]string{"催办": JobLagging, " 周报 ": JobReport, "截止提醒": JobDeadline, "deadline": JobDeadline, "x": "", "": ""} {
		if got := jobName(in); got != want {
			t.Errorf("jobName(%q) = %q, want %q", in, got, want)
		}
	}
}

// A 催办 that @s more people than one message may (DingTalk notifies 50,
// and every "@id" takes room in the text) is cut so that each part @s the
// admins of the schools on it, at most 50, within the size limit with
// their tags: through the custom robot every part is accepted and every
// admin notified once. (With all mentions on part 1 the client refused it
// as too long, and the sender retried it for ever.)
func TestPartsMentionWhomTheyName(t *testing.T) {
	ctx := context.Background()
	st := newBolt(t)
	// staffIds may be up to 64 characters; long ones make the tags heavy.
	everyoneLaggingAs(t, st, "%03d-"+strings.Repeat("x", 60))
	clk := newClock(at(2019, 3, 8, 9, 30))
	sched := newScheduler(t, st, clk, Config{Lagging: "30 9 * * 1-5"})
	if _, err := sched.fire(ctx, sched.job(JobLagging), clk.Now(), false); err != nil {
		t.Fatal(err)
	}
	q := queued(t, st)
	var admins []string
	for _, m := range q {
		if len(m.Mentions) > maxMentions || escapedLen(m.Markdown)+mentionLen(m.Mentions) > maxPartBytes {
			t.Errorf("%s: %d mentions, %d bytes with them", m.ID, len(m.Mentions), escapedLen(m.Markdown)+mentionLen(m.Mentions))
		}
		for _, id := range m.Mentions {
			// The admin's school is on this part: its line ends with the
			// admin's name, which carries the same number as the id.
			if !strings.Contains(m.Markdown, "联络员 "+id[:3]+"）\n") && !strings.HasSuffix(m.Markdown, "联络员 "+id[:3]+"）") {
				t.Errorf("%s @s %s, whose school is not on it", m.ID, id[:3])
			}
		}
		admins = append(admins, m.Mentions...)
	}
	if len(admins) < 120 || len(slices.Compact(slices.Sorted(slices.Values(admins)))) != len(admins) {
		t.Fatalf("%d mentions over %d parts (%d distinct), want every admin once", len(admins), len(q), len(slices.Compact(slices.Sorted(slices.Values(admins)))))
	}

	for i := range q {
		q[i].NextTry, q[i].Attempts = clk.Now().Add(time.Duration(i)*time.Millisecond), 0
	}
	enqueue(t, st, q...)
	client, fake := fakeClient(t, true)
	m := newCountMetrics()
	s := newSender(t, st, client, clk, m)
	for round := 0; depth(t, st) > 0 && round < 5; round++ {
		if _, err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
		clk.Add(time.Minute)
	}
	hooks := fake.SentVia("webhook")
	var notified []string
	for _, h := range hooks {
		notified = append(notified, h.AtUserIDs...)
	}
	slices.Sort(notified)
	slices.Sort(admins)
	if depth(t, st) != 0 || len(hooks) != len(q) || m.failed[JobLagging] != 0 || !slices.Equal(notified, admins) {
		t.Errorf("depth %d, %d webhook sends for %d parts, %d failures, %d of %d admins notified",
			depth(t, st), len(hooks), len(q), m.failed[JobLagging], len(notified), len(admins))
	}
}

// Mentions of people named nowhere fill the first parts, 50 at most each;
// a message that fits keeps them all.
func TestSplitPartsLooseMentions(t *testing.T) {
	var ids []string
	for i := range 120 {
		ids = append(ids, fmt.Sprintf("u%03d", i))
	}
	md := strings.Repeat("- 一行\n", 3000)
	out := splitParts([]draft{
		{OutMsg: store.OutMsg{ID: "a", To: "group", Markdown: md, Mentions: ids}},
		{OutMsg: store.OutMsg{ID: "b", To: "group", Markdown: "短", Mentions: ids[:50]}},
	}, maxPartBytes)
	var got []string
	for _, m := range out[:len(out)-1] {
		if len(m.Mentions) > maxMentions || escapedLen(m.Markdown)+mentionLen(m.Mentions) > maxPartBytes {
			t.Errorf("%s: %d mentions, %d bytes", m.ID, len(m.Mentions), escapedLen(m.Markdown)+mentionLen(m.Mentions))
		}
		got = append(got, m.Mentions...)
	}
	if !slices.Equal(got, ids) || len(out[0].Mentions) != maxMentions {
		t.Errorf("parts @ %d (first %d), want all 120 in order", len(got), len(out[0].Mentions))
	}
	if b := out[len(out)-1]; b.ID != "b" || len(b.Mentions) != 50 {
		t.Errorf("short message: %s with %d mentions", b.ID, len(b.Mentions))
	}
}
