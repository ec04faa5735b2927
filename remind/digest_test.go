package remind

import (
	"context"
	"strings"
	"testing"
	"time"

	"xuexibot/store"
)

const certify = "完成上下级认证"

// The seed's 31 schools in the notice's shape, as the countdown lists them.
const noticeGroups = "**一、本科学校（3 所）**\n\n湖南警察学院；湖南应用技术学院；湖南交通工程学院。\n\n" +
	"**二、高等专科学校（1 所）**\n\n益阳医学高等专科学校。\n\n" +
	"**三、高等职业学院（27 所）**\n\n"

func deadlineDigest(t *testing.T, s *Scheduler, tick time.Time, manual bool) string {
	t.Helper()
	msgs, err := s.build(context.Background(), JobDeadline, tick, manual)
	if err != nil {
		t.Fatal(err)
	}
	switch len(msgs) {
	case 0:
		return ""
	case 1:
		if msgs[0].To != "group" {
			t.Errorf("deadline digest goes to %q", msgs[0].To)
		}
		return msgs[0].Markdown
	}
	t.Fatalf("deadline built %d messages, want one digest", len(msgs))
	return ""
}

// The countdown for 完成上下级认证 (due 2019-03-10 24:00, a Sunday) speaks
// at T-7, T-3, T-1, on the day and daily after, and says nothing otherwise.
func TestDeadlineCountdown(t *testing.T) {
	st := newBolt(t)
	// Move the install milestone out of the way, so only certify speaks.
	moveDue(t, st, store.MilestoneInstall, endOfDay(2019, 6, 30))
	s := newScheduler(t, st, nil, Config{Deadline: "0 9 * * *"})
	due := "（3月10日 星期日 24:00）"
	tail := "，尚有31所高校未完成：\n\n" + noticeGroups
	for _, tc := range []struct {
		day  int
		want string // "" for no message at all
	}{
		{1, ""},
		{2, ""}, // T-8
		{3, "距「完成上下级认证」截止" + due + "还有7天（5个工作日）" + tail}, // Sunday; Mon–Fri follow
		{4, ""},
		{5, ""},
		{6, ""},
		{7, "距「完成上下级认证」截止" + due + "还有3天（1个工作日）" + tail}, // the notice's day
		{8, ""},
		{9, "距「完成上下级认证」截止" + due + "还有1天（0个工作日）" + tail},
		{10, "「完成上下级认证」今天截止" + due + tail},
		{11, "「完成上下级认证」已逾期1天（截止于3月10日 星期日 24:00）" + tail},
		{12, "「完成上下级认证」已逾期2天（截止于3月10日 星期日 24:00）" + tail},
		{20, "「完成上下级认证」已逾期10天（截止于3月10日 星期日 24:00）" + tail},
	} {
		got := deadlineDigest(t, s, at(2019, 3, tc.day, 9, 0), false)
		if tc.want == "" {
			if got != "" {
				t.Errorf("3月%d日: want no message, got\n%s", tc.day, got)
			}
			continue
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("3月%d日: want\n%s\nin\n%s", tc.day, tc.want, got)
		}
		if !strings.HasPrefix(got, "#### 工作节点截止提醒\n\n") || !strings.Contains(got, "潇湘职业学院；") || !strings.HasSuffix(got, "职业学院。\n\n请以上高校抓紧完成。") {
			t.Errorf("3月%d日: digest lacks its heading or the last school:\n%s", tc.day, got)
		}
		if strings.Count(got, "湖南警察学院") != 1 {
			t.Errorf("3月%d日: each school once per milestone:\n%s", tc.day, got)
		}
	}
}

// With the seed as it is, 3-8 has install overdue (7 days) and certify at
// T-2 (silent): one digest naming install only.
func TestDeadlineOneDigestForAllMilestones(t *testing.T) {
	st := newBolt(t)
	s := newScheduler(t, st, nil, Config{Deadline: "0 9 * * *"})
	got := deadlineDigest(t, s, at(2019, 3, 8, 9, 0), false)
	if !strings.Contains(got, "「全部下载安装」已逾期7天（截止于3月1日 星期五 24:00），尚有31所高校未完成：") {
		t.Errorf("install overdue missing:\n%s", got)
	}
	if strings.Contains(got, certify) {
		t.Errorf("certify at T-2 must be silent:\n%s", got)
	}
	// On T-7 both speak, in one digest.
	got = deadlineDigest(t, s, at(2019, 3, 3, 9, 0), false)
	if !strings.Contains(got, "「全部下载安装」已逾期2天（截止于3月1日 星期五 24:00），尚有31所高校未完成：\n\n"+noticeGroups) ||
		!strings.Contains(got, "距「完成上下级认证」截止（3月10日 星期日 24:00）还有7天（5个工作日），尚有31所高校未完成：名单同上。") ||
		strings.Count(got, "湖南警察学院") != 1 {
		t.Errorf("want both milestones in one digest, the same list once:\n%s", got)
	}
	// A manual run lists every open milestone whatever the day.
	got = deadlineDigest(t, s, at(2019, 3, 8, 9, 0), true)
	if !strings.Contains(got, "距「完成上下级认证」截止（3月10日 星期日 24:00）还有2天（0个工作日）") {
		t.Errorf("manual run must list certify:\n%s", got)
	}
}

// A milestone every school has finished is not open: no countdown.
func TestDeadlineFinishedMilestoneSilent(t *testing.T) {
	st := newBolt(t)
	moveDue(t, st, store.MilestoneInstall, endOfDay(2019, 6, 30))
	s := newScheduler(t, st, nil, Config{Deadline: "0 9 * * *"})
	ctx := context.Background()
	pending, err := st.Orgs(ctx, store.Query{Index: store.IndexPending(store.MilestoneCertify)})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range pending {
		_, err := st.Update(ctx, o.ID, store.Meta{Actor: store.System, Command: "test"}, func(o *store.Org) error {
			o.Progress = map[string]store.Progress{store.MilestoneCertify: {Done: true, At: at(2019, 3, 8, 10, 0)}}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := deadlineDigest(t, s, at(2019, 3, 9, 9, 0), false); got != "" {
		t.Errorf("all certified, want nothing, got\n%s", got)
	}
}

// The process runs in UTC; the day is Shanghai's. 2019-03-09 16:30 UTC is
// 2019-03-10 00:30 in Shanghai: the deadline day itself, not T-1.
func TestTimeZoneEdge(t *testing.T) {
	st := newBolt(t)
	moveDue(t, st, store.MilestoneInstall, endOfDay(2019, 6, 30))
	clk := newClock(time.Date(2019, 3, 9, 16, 0, 0, 0, time.UTC))
	s := newScheduler(t, st, clk, Config{Deadline: "30 0 * * *", WorkdaysOnly: true})

	tick := time.Date(2019, 3, 9, 16, 30, 0, 0, time.UTC)
	got := deadlineDigest(t, s, tick, false)
	if !strings.Contains(got, "「完成上下级认证」今天截止（3月10日 星期日 24:00）") {
		t.Errorf("UTC 16:30 on the 9th is the 10th in Shanghai:\n%s", got)
	}
	// workdays_only judges Shanghai's day: a Friday in UTC that is Saturday
	// in Shanghai is off, a Sunday in UTC that is Monday in Shanghai works.
	if s.runsOn(time.Date(2019, 3, 8, 16, 30, 0, 0, time.UTC)) {
		t.Error("Friday 16:30 UTC is Saturday 00:30 in Shanghai: a day off")
	}
	if !s.runsOn(time.Date(2019, 3, 10, 16, 30, 0, 0, time.UTC)) {
		t.Error("Sunday 16:30 UTC is Monday 00:30 in Shanghai: a workday")
	}
	// Next skips the weekend in Shanghai's terms: from Sat 9th 16:00 UTC
	// the next run is Monday 00:30 Shanghai = Sunday 16:30 UTC.
	if next, want := s.Next(JobDeadline), time.Date(2019, 3, 10, 16, 30, 0, 0, time.UTC); !next.Equal(want) {
		t.Errorf("Next = %v, want %v", next, want)
	}
	// Working days are counted in Shanghai too: Thursday 16:30 UTC is
	// Friday 00:30 in Shanghai, T-2 with no working day left.
	got = deadlineDigest(t, s, time.Date(2019, 3, 7, 16, 30, 0, 0, time.UTC), true)
	if !strings.Contains(got, "还有2天（0个工作日）") {
		t.Errorf("want T-2 with 0 working days:\n%s", got)
	}
}

// Working days across the Spring Festival and its make-up weekend.
func TestCountdownWorkdaysAcrossHoliday(t *testing.T) {
	st := newBolt(t)
	moveDue(t, st, store.MilestoneInstall, endOfDay(2019, 6, 30))
	// Due Monday 2019-02-11, the first day back.
	moveDue(t, st, store.MilestoneCertify, endOfDay(2019, 2, 11))
	s := newScheduler(t, st, nil, Config{Deadline: "0 9 * * *"})
	// From Monday 2019-02-04 (T-7): the 5th–10th are off, the 11th works.
	got := deadlineDigest(t, s, at(2019, 2, 4, 9, 0), false)
	if !strings.Contains(got, "（2月11日 星期一 24:00）还有7天（1个工作日）") {
		t.Errorf("want 1 working day across the festival:\n%s", got)
	}
	// From Friday 2019-02-01: Sat 2nd and Sun 3rd are make-up workdays.
	got = deadlineDigest(t, s, at(2019, 2, 1, 9, 0), true)
	if !strings.Contains(got, "还有10天（3个工作日）") {
		t.Errorf("want 3 working days (2nd, 3rd, 11th):\n%s", got)
	}
}

func TestFormatDue(t *testing.T) {
	s := newScheduler(t, newBolt(t), nil, Config{})
	for _, tc := range []struct {
		due  time.Time
		want string
	}{
		{endOfDay(2019, 3, 10), "3月10日 星期日 24:00"},
		{at(2019, 3, 11, 0, 0), "3月10日 星期日 24:00"}, // midnight ends the day before
		{at(2019, 3, 10, 23, 59), "3月10日 星期日 24:00"},
		{at(2019, 3, 8, 17, 30), "3月8日 星期五 17:30"},
		{time.Date(2019, 3, 10, 15, 59, 59, 0, time.UTC), "3月10日 星期日 24:00"}, // the same instant in UTC
	} {
		if got := s.formatDue(tc.due); got != tc.want {
			t.Errorf("formatDue(%v) = %q, want %q", tc.due, got, tc.want)
		}
	}
}

// The 催办 lists each lagging school once with what it owes and its admin;
// admins with a DingTalk id are mentioned, the others named; with Direct
// each admin with an id also gets a 1:1 message.
func TestLaggingDigest(t *testing.T) {
	st := newBolt(t)
	ctx := context.Background()
	setAdmin := func(name string, a store.Admin) {
		t.Helper()
		res, err := st.Resolve(ctx, name)
		if err != nil || res.Org == nil {
			t.Fatalf("resolve %s: %v %+v", name, err, res)
		}
		_, err = st.Update(ctx, res.Org.ID, store.Meta{Actor: store.System, Command: "test"}, func(o *store.Org) error {
			o.Admin = a
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	setAdmin("湖南警察学院", store.Admin{Name: "张三", UserID: "0147001"})
	setAdmin("湖南交通工程学院", store.Admin{Name: "李四"})
	setAdmin("潇湘职业学院", store.Admin{UserID: "0147003"})
	// 湖南应用技术学院 installs, so it owes certify only.
	res, err := st.Resolve(ctx, "湖南应用技术学院")
	if err != nil || res.Org == nil {
		t.Fatal(err)
	}
	_, err = st.Update(ctx, res.Org.ID, store.Meta{Actor: store.System, Command: "test"}, func(o *store.Org) error {
		o.Progress = map[string]store.Progress{store.MilestoneInstall: {Done: true}}
		o.Admin = store.Admin{Name: "王五", UserID: "0147001"} // the same person as 警察学院's
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	s := newScheduler(t, st, nil, Config{Lagging: "30 9 * * 1-5", Direct: true})
	msgs, err := s.build(ctx, JobLagging, at(2019, 3, 8, 9, 30), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 3 {
		t.Fatalf("want the group digest and 2 direct messages, got %d: %+v", len(msgs), msgs)
	}
	g := msgs[0]
	for _, want := range []string{
		"#### 催办：尚有31所高校未完成工作节点",
		"- 「全部下载安装」截止3月1日 星期五 24:00，已逾期7天，30所未完成",
		"- 「完成上下级认证」截止3月10日 星期日 24:00，还有2天（0个工作日），31所未完成",
		"**一、本科学校（3 所）**",
		"- 湖南警察学院：未完成安装、认证；学习管理员：张三",
		"- 湖南交通工程学院：未完成安装、认证；学习管理员：李四",
		"- 湖南应用技术学院：未完成认证；学习管理员：王五",
		"**二、高等专科学校（1 所）**",
		"- 益阳医学高等专科学校：未完成安装、认证；学习管理员：未登记",
		"**三、高等职业学院（27 所）**",
		"- 潇湘职业学院：未完成安装、认证；学习管理员：已登记",
	} {
		if !strings.Contains(g.Markdown, want) {
			t.Errorf("digest lacks %q:\n%s", want, g.Markdown)
		}
	}
	if g.To != "group" || strings.Join(g.Mentions, ",") != "0147001,0147003" {
		t.Errorf("group digest: to %q, mentions %v", g.To, g.Mentions)
	}
	if strings.Contains(g.Markdown, "@") {
		t.Errorf("the Poster adds @ tokens, not the digest:\n%s", g.Markdown)
	}
	d := msgs[1]
	if d.To != "user:0147001" || d.ID != "u-0147001" ||
		!strings.Contains(d.Markdown, "张三，您好") ||
		!strings.Contains(d.Markdown, "- 湖南警察学院：「全部下载安装」截止3月1日 星期五 24:00，已逾期7天") ||
		!strings.Contains(d.Markdown, "- 湖南应用技术学院：「完成上下级认证」截止3月10日 星期日 24:00，还有2天（0个工作日）") ||
		strings.Contains(d.Markdown, "湖南应用技术学院：「全部下载安装」") {
		t.Errorf("direct message to 0147001: %+v", d)
	}
	if msgs[2].To != "user:0147003" || !strings.Contains(msgs[2].Markdown, "您好！") {
		t.Errorf("direct message to 0147003: %+v", msgs[2])
	}

	// Without Direct, only the group digest.
	s = newScheduler(t, st, nil, Config{Lagging: "30 9 * * 1-5"})
	msgs, err = s.build(ctx, JobLagging, at(2019, 3, 8, 9, 30), false)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("without direct: %d messages, %v", len(msgs), err)
	}
}

// The weekly report is the summary renderer with the changes since the
// previous scheduled report.
func TestReportDigest(t *testing.T) {
	clk := newClock(at(2019, 3, 8, 17, 0))
	st := newBolt(t)
	ctx := context.Background()
	res, err := st.Resolve(ctx, "湖南警察学院")
	if err != nil || res.Org == nil {
		t.Fatal(err)
	}
	_, err = st.Update(ctx, res.Org.ID, store.Meta{Actor: store.Actor{ID: "u1", Nick: "管理员"}, Command: "/done 警察学院 认证"}, func(o *store.Org) error {
		o.Progress = map[string]store.Progress{store.MilestoneCertify: {Done: true}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := newScheduler(t, st, clk, Config{Report: "0 17 * * 5"})
	msgs, err := s.build(ctx, JobReport, at(2019, 3, 8, 17, 0), false)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("report: %d messages, %v", len(msgs), err)
	}
	md := msgs[0].Markdown
	for _, want := range []string{
		"## 每周通报（3月8日）",
		"### 高校“学习强国”推广进度汇总",
		"3月1日 17:00以来的变化",
		"湖南警察学院",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

// "Since the last report" skips a scheduled report that fell on a day off.
func TestLastReport(t *testing.T) {
	st := newBolt(t)
	s := newScheduler(t, st, nil, Config{Report: "0 17 * * 5", WorkdaysOnly: true})
	// Friday 2019-10-04 was National Day: the last report before the
	// 11th ran on 2019-09-27.
	if got, want := s.lastReport(at(2019, 10, 11, 17, 0)), at(2019, 9, 27, 17, 0); !got.Equal(want) {
		t.Errorf("lastReport = %v, want %v", got, want)
	}
	s = newScheduler(t, st, nil, Config{Report: "0 17 * * 5"})
	if got, want := s.lastReport(at(2019, 10, 11, 17, 0)), at(2019, 10, 4, 17, 0); !got.Equal(want) {
		t.Errorf("lastReport = %v, want %v", got, want)
	}
	// A manual run between reports: since the last one.
	if got, want := s.lastReport(at(2019, 10, 9, 11, 0)), at(2019, 10, 4, 17, 0); !got.Equal(want) {
		t.Errorf("lastReport = %v, want %v", got, want)
	}
	// Report off: a week.
	s = newScheduler(t, st, nil, Config{})
	if got, want := s.lastReport(at(2019, 10, 9, 11, 0)), at(2019, 10, 2, 11, 0); !got.Equal(want) {
		t.Errorf("lastReport = %v, want %v", got, want)
	}
}
