package commands

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"xuexibot/bot"
	"xuexibot/store"
)

func TestStatus(t *testing.T) {
	e := newEnv(t)
	police := []string{"### 湖南警察学院", "本科学校", "学习管理员：未登记",
		"全部下载安装：**未完成**，截止 3月1日 24:00，已逾期7天",
		"完成上下级认证：**未完成**，截止 3月10日 24:00，还有2天",
		"党支部：0 个", "激活率 0.0%"}
	e.run([]tcase{
		{"slash", notAdmin, "/status 湖南警察学院", police, nil, "status/ok"},
		{"plain name", notAdmin, "湖南警察学院", police, nil, "status/ok"},
		{"question", notAdmin, "湖南警察学院进度怎么样？", police, nil, "status/ok"},
		{"full-width", notAdmin, "／状态　湖南警察学院", police, nil, "status/ok"},
		{"mention and case", notAdmin, "@xuexibot /STATUS 湖南警察学院", police, nil, "status/ok"},
		{"no space", notAdmin, "/状态湖南警察学院", police, nil, "status/ok"},
		{"no space english", notAdmin, "/status湖南警察学院", police, nil, "status/ok"},
		{"quoted", notAdmin, "/status “湖南警察学院”", police, nil, "status/ok"},
		{"done school", notAdmin, "/status 湖南大学", []string{"完成上下级认证：**已完成**（2019-03-07）", "最近变更：2019-03-07"}, nil, "status/ok"},
		{"unknown", notAdmin, "/status 火星大学", []string{"没有找到学校“火星大学”"}, nil, "status/user_error"},
		{"plain unknown", notAdmin, "火星大学", []string{"没有找到", "/帮助"}, nil, "status/user_error"},
		{"missing", notAdmin, "/status", []string{"缺少参数。用法：/status 学校名称"}, nil, "status/user_error"},
	})
	// A fragment shared by several schools lists them.
	got := e.say(notAdmin, "/status 职业技术学院")
	if !strings.Contains(got, "对应多所学校") && !strings.Contains(got, "### ") {
		t.Errorf("fragment: neither candidates nor a school:\n%s", got)
	}
}

func TestLagging(t *testing.T) {
	e := newEnv(t)
	e.run([]tcase{
		{"all", notAdmin, "/lagging", []string{"（31 所）", "一、本科学校（3 所）\n\n湖南警察学院；湖南应用技术学院；湖南交通工程学院。",
			"二、高等专科学校（1 所）\n\n益阳医学高等专科学校。", "三、高等职业学院（27 所）"}, nil, "lagging/ok"},
		{"milestone", notAdmin, "/未完成 认证", []string{"未完成「完成上下级认证」的高校（31 所）", "截止 3月10日 24:00，还有2天"}, nil, "lagging/ok"},
		{"category", notAdmin, "/lagging 本科", []string{"本科学校中有工作节点未完成的高校（3 所）"}, []string{"高职"}, "lagging/ok"},
		{"both", notAdmin, "/lagging 高职 certify", []string{"（27 所）"}, nil, "lagging/ok"},
		{"bad word", notAdmin, "/lagging 火星", []string{"看不懂“火星”"}, nil, "lagging/user_error"},
		{"two milestones", notAdmin, "/lagging 认证 安装", []string{"只能指定一个工作节点"}, []string{"看不懂"}, "lagging/user_error"},
		{"two categories", notAdmin, "/lagging 本科 高职", []string{"只能指定一个类别"}, []string{"看不懂"}, "lagging/user_error"},
		{"same twice", notAdmin, "/lagging 认证 certify", []string{"（31 所）"}, nil, "lagging/ok"},
	})
}

func TestSummary(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.DashboardURL = "https://x.example/" })
	e.run([]tcase{
		{"slash", notAdmin, "/summary", []string{"完成上下级认证", "93/124 所（75.0%）", "未完成 31 所", "本科学校：48/51", "红榜", "黑榜",
			"湖南警察学院", "党员激活率"}, nil, "summary/ok"},
		{"alias", notAdmin, "/汇总", []string{"红榜"}, nil, "summary/ok"},
		{"plain", notAdmin, "整体进度如何", []string{"红榜"}, nil, "summary/ok"},
		{"bare word", notAdmin, "进度", []string{"红榜"}, nil, "summary/ok"},
		{"category arg", notAdmin, "/summary 本科", []string{"不能只看本科学校", "/lagging 本科", "用法：/summary"}, []string{"红榜"}, "summary/user_error"},
		{"other arg", notAdmin, "/汇总 上周", []string{"/summary 不带参数"}, []string{"红榜"}, "summary/user_error"},
		{"chat after alias", notAdmin, "汇总 一下", []string{"红榜"}, nil, "summary/ok"},
	})
	r := e.reply(notAdmin, "/summary")
	if r.Link == nil || r.Link.URL != "https://x.example/" {
		t.Errorf("summary link = %+v", r.Link)
	}
	if r2 := newEnv(t).reply(notAdmin, "/summary"); r2.Link != nil {
		t.Errorf("summary without dashboard has a link: %+v", r2.Link)
	}
}

func TestDoneUndo(t *testing.T) {
	e := newEnv(t)
	e.run([]tcase{
		{"non-admin", notAdmin, "/done 湖南警察学院 certify", []string{"只有管理员可以使用", "数据没有改动"}, nil, "done/denied"},
		{"empty id", "", "/done 湖南警察学院 certify", []string{"无法识别你的钉钉账号"}, nil, "done/denied"},
	})
	if n := e.pending(store.MilestoneCertify); n != 31 {
		t.Fatalf("after refused attempts %d pending, want 31", n)
	}
	refused := e.history("湖南警察学院")
	if len(refused) < 2 || !refused[0].Refused || refused[0].Actor.ID != "" || refused[1].Actor.ID != notAdmin {
		t.Errorf("refused attempts not recorded against the org: %+v", refused)
	}
	e.run([]tcase{
		{"admin", admin, "/done 湖南警察学院 certify", []string{"已为 **湖南警察学院** 登记完成「完成上下级认证」", "王管理（admin1）", "尚有 30 所"}, nil, "done/ok"},
		{"again", admin, "/完成 湖南警察学院 认证", []string{"已于 2019-03-08 登记完成", "无需重复"}, nil, "done/ok"},
		{"lagging 30", notAdmin, "/lagging certify", []string{"（30 所）", "一、本科学校（2 所）"}, []string{"湖南警察学院"}, "lagging/ok"},
		{"history", notAdmin, "/history 湖南警察学院", []string{"王管理（admin1） 湖南警察学院：完成上下级认证 未完成 → 已完成（2019-03-08）", "被拒绝"}, nil, "history/ok"},
		{"status", notAdmin, "/status 湖南警察学院", []string{"完成上下级认证：**已完成**（2019-03-08）", "最近变更：2019-03-08 10:00，王管理（admin1）"}, nil, "status/ok"},
		{"by title", admin, "/done 湖南警察学院 全部下载安装", []string{"登记完成「全部下载安装」"}, nil, "done/ok"},
		{"unknown milestone", admin, "/done 湖南交通工程学院 毕业", []string{"没有工作节点“毕业”", "认证（certify"}, nil, "done/user_error"},
		{"missing", admin, "/done 湖南交通工程学院", []string{"用法：/done 学校名称 工作节点"}, nil, "done/user_error"},
		{"not applicable", admin, "/done 省委宣传部 认证", []string{"不参与「完成上下级认证」"}, nil, "done/user_error"},
		{"unknown org", admin, "/done 火星大学 认证", []string{"没有找到学校“火星大学”"}, nil, "done/user_error"},
		{"undo", admin, "/撤销 湖南大学 安装", []string{"撤销完成登记「全部下载安装」", "尚有 31 所"}, nil, "undo/ok"},
		{"undo again", admin, "/undo 湖南大学 install", []string{"尚未登记完成「全部下载安装」，无需撤销"}, nil, "undo/ok"},
		{"undo non-admin", notAdmin, "/undo 湖南警察学院 认证", []string{"只有管理员"}, nil, "undo/denied"},
	})
	if n := e.pending(store.MilestoneCertify); n != 30 {
		t.Errorf("certify pending %d, want 30", n)
	}
	// The bad milestone word was about a known org: recorded as refused.
	h := e.history("湖南交通工程学院")
	if len(h) == 0 || !h[0].Refused || !strings.Contains(h[0].Reason, "毕业") {
		t.Errorf("bad input not recorded as refused: %+v", h)
	}
}

func TestSet(t *testing.T) {
	e := newEnv(t)
	e.run([]tcase{
		{"several", admin, "/set 湖南警察学院 党员数=1200 已激活=800 管理员=张三 手机=13812345678 钉钉ID=zhang3 branches=40 covered=39",
			[]string{"已更新 **湖南警察学院**", "党员数：0 → 1200", "已激活党员数：0 → 800", "学习管理员：（空） → 张三", "管理员手机：（空） → 13812345678"}, nil, "set/ok"},
		{"full-width commas", admin, "／设置　湖南警察学院　党员数＝１３００，已激活＝９００", []string{"党员数：1200 → 1300", "已激活党员数：800 → 900"}, nil, "set/ok"},
		{"spaces around =", admin, "/set 警察学院 管理员 = 王五", []string{"张三 → 王五"}, nil, "set/ok"},
		{"space after =", admin, "/set 警察学院 管理员= 赵六 党员数 =1250", []string{"王五 → 赵六", "党员数：1300 → 1250"}, nil, "set/ok"},
		{"full-width = spaced", admin, "/set 湖南警察学院 党员数 ＝ 1300", []string{"党员数：1250 → 1300"}, nil, "set/ok"},
		{"colon spaced", admin, "/set 湖南警察学院 管理员 ： 张三", []string{"赵六 → 张三"}, nil, "set/ok"},
		{"quoted", admin, `/set 湖南警察学院 管理员="欧阳 娜娜"`, []string{"张三 → 欧阳 娜娜"}, nil, "set/ok"},
		{"same", admin, "/set 湖南警察学院 党员数=1300", []string{"没有改动"}, nil, "set/ok"},
		{"bad number", admin, "/set 湖南警察学院 党员数=abc", []string{"党员数的值“abc”无效"}, nil, "set/user_error"},
		{"negative", admin, "/set 湖南警察学院 members=-5", []string{"党员数的值“-5”无效"}, nil, "set/user_error"},
		{"fraction", admin, "/set 湖南警察学院 党员数=12.5", []string{"“12.5”无效"}, nil, "set/user_error"},
		{"activated > members", admin, "/set 湖南警察学院 已激活=5000", []string{"已激活党员数（5000）不能大于党员数（1300）"}, nil, "set/user_error"},
		{"atomic", admin, "/set 湖南警察学院 党员数=10 已激活=20", []string{"不能大于"}, nil, "set/user_error"},
		{"covered > branches", admin, "/set 湖南警察学院 已覆盖=41", []string{"不能大于党支部数（40）"}, nil, "set/user_error"},
		{"mobile", admin, "/set 湖南警察学院 手机=12345", []string{"管理员手机“12345”无效"}, nil, "set/user_error"},
		{"mobile 12", admin, "/set 湖南警察学院 手机=12812345678", []string{"无效"}, nil, "set/user_error"},
		{"unknown key", admin, "/set 湖南警察学院 颜色=红", []string{"不认识的字段“颜色”"}, nil, "set/user_error"},
		{"duplicate", admin, "/set 湖南警察学院 党员数=5 members=6", []string{"写了两次"}, nil, "set/user_error"},
		{"no pairs", admin, "/set 湖南警察学院 党员数", []string{"缺少要修改的字段"}, nil, "set/user_error"},
		{"no name", admin, "/set 党员数=5 已激活=1", []string{"请先写学校名称"}, nil, "set/user_error"},
		{"missing", admin, "/set", []string{"用法：/set 学校名称"}, nil, "set/user_error"},
		{"non-admin", notAdmin, "/set 湖南警察学院 党员数=1", []string{"只有管理员"}, nil, "set/denied"},
	})
	o := e.org("湖南警察学院")
	if o.Members != 1300 || o.MembersActivated != 900 || o.Branches != 40 || o.BranchesCovered != 39 ||
		o.Admin != (store.Admin{Name: "欧阳 娜娜", UserID: "zhang3", Mobile: "13812345678"}) {
		t.Errorf("org after /set: %+v", o)
	}
	h := e.history("湖南警察学院")
	refused := 0
	for _, c := range h {
		if c.Refused {
			refused++
		}
	}
	// Every bad input about the org plus the non-admin attempt.
	if refused != 11 {
		t.Errorf("%d refused records, want 11", refused)
	}
}

func TestDeadline(t *testing.T) {
	e := newEnv(t)
	e.run([]tcase{
		{"list", notAdmin, "/deadline", []string{"1. 全部下载安装（安装）：截止 3月1日 24:00，已逾期7天", "2. 完成上下级认证（认证）：截止 3月10日 24:00，还有2天"}, nil, "deadline/ok"},
		{"non-admin move", notAdmin, "/deadline 认证 2019-03-15", []string{"只有管理员"}, nil, "deadline/denied"},
		{"move", admin, "/截止 认证 2019-03-15", []string{"由 3月10日 24:00 改为 **3月15日 24:00**（还有7天）"}, nil, "deadline/ok"},
		{"move with time", admin, "/deadline certify 2019/3/16 18:00", []string{"改为 **3月16日 18:00**"}, nil, "deadline/ok"},
		{"same", admin, "/deadline certify 2019-03-16 18:00", []string{"没有改动"}, nil, "deadline/ok"},
		{"bad date", admin, "/deadline 认证 2019-02-30", []string{"日期“2019-02-30”不存在"}, nil, "deadline/user_error"},
		{"year out of range", admin, "/deadline 安装 1900-01-01", []string{"日期“1900-01-01”超出范围：年份应在 2000 到 2100 之间"}, []string{"不存在"}, "deadline/user_error"},
		{"year 2101", admin, "/deadline 安装 2101-01-01", []string{"超出范围"}, nil, "deadline/user_error"},
		{"bad format", admin, "/deadline 认证 15号", []string{"日期“15号”格式不对"}, nil, "deadline/user_error"},
		{"bad time", admin, "/deadline 认证 2019-03-15 25:00", []string{"时间“25:00”不存在"}, nil, "deadline/user_error"},
		{"bad milestone", admin, "/deadline 毕业 2019-03-15", []string{"没有工作节点“毕业”"}, nil, "deadline/user_error"},
		{"one arg", admin, "/deadline 认证", []string{"用法：/deadline"}, nil, "deadline/user_error"},
	})
	ms, err := e.st.Milestones(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2019, 3, 16, 18, 0, 0, 0, store.Shanghai())
	if !ms[1].Due.Equal(want) {
		t.Errorf("certify due %v, want %v", ms[1].Due, want)
	}
}

// 23:59 and 24:00 are the same end of the day: moving a deadline between
// them is no change, so the bot must not claim one the store never records.
func TestDeadlineEndOfDay(t *testing.T) {
	e := newEnv(t)
	e.run([]tcase{
		{"end of day", admin, "/deadline certify 2019-03-17", []string{"改为 **3月17日 24:00**"}, nil, "deadline/ok"},
		{"23:59", admin, "/deadline certify 2019-03-17 23:59", []string{"没有改动"}, []string{"改为"}, "deadline/ok"},
		{"24:00", admin, "/deadline certify 2019-03-17 24:00", []string{"没有改动"}, []string{"改为"}, "deadline/ok"},
	})
	ms, err := e.st.Milestones(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2019, 3, 17, 23, 59, 59, 0, store.Shanghai()); !ms[1].Due.Equal(want) {
		t.Errorf("certify due %v, want %v", ms[1].Due, want)
	}
}

func TestHistoryPages(t *testing.T) {
	e := newEnv(t)
	for i := 1; i <= 12; i++ {
		e.say(admin, "/set 湖南警察学院 党员数="+string(rune('0'+i%10))+"0")
	}
	e.run([]tcase{
		{"page 1", notAdmin, "/history 湖南警察学院", []string{"第 1 页", "1. ", "10. ", "/history 湖南警察学院 2"}, []string{"11. "}, "history/ok"},
		{"page 2", notAdmin, "/记录 湖南警察学院 2", []string{"第 2 页", "11. "}, nil, "history/ok"},
		{"too far", notAdmin, "/history 湖南警察学院 5", []string{"只有 2 页"}, nil, "history/user_error"},
		{"bad page", notAdmin, "/history 湖南警察学院 0", []string{"页码“0”无效"}, nil, "history/user_error"},
		{"bad page -1", notAdmin, "/history 湖南警察学院 -1", []string{"页码“-1”无效：页码应为不小于 1 的整数"}, []string{"没有找到学校"}, "history/user_error"},
		{"bad page abc", notAdmin, "/history 警察学院 abc", []string{"页码“abc”无效", "/history 湖南警察学院 2"}, []string{"没有找到学校"}, "history/user_error"},
		{"bad page 1.5", notAdmin, "/history 湖南警察学院 1.5", []string{"页码“1.5”无效"}, nil, "history/user_error"},
		{"page word", notAdmin, "/history 湖南警察学院 第2页", []string{"第 2 页", "11. "}, nil, "history/ok"},
		{"still unknown", notAdmin, "/history 火星大学 abc", []string{"没有找到学校“火星大学 abc”"}, nil, "history/user_error"},
		{"empty", notAdmin, "/history 湖南大学", []string{"暂无记录"}, nil, "history/ok"},
	})
	// Newest first: page 1 starts with the last /set (党员数 10 → 20).
	got := e.say(notAdmin, "/history 湖南警察学院")
	if i := strings.Index(got, "1. "); i < 0 || !strings.Contains(got[i:strings.Index(got[i:], "\n")+i], "→ 20") {
		t.Errorf("history is not newest first:\n%s", got)
	}
}

func TestHelpAdminsAndMistakes(t *testing.T) {
	e := newEnv(t)
	long := "/status " + strings.Repeat("湖", MaxInput)
	e.run([]tcase{
		{"help", notAdmin, "/help", []string{"/status 学校名称", "/lagging", "/summary", "/done", "/set", "/deadline", "/history", "/admins", "〔管理员〕", "发送 /history 查看近 30 天的全部变更记录"}, nil, "help/ok"},
		{"help alias", notAdmin, "/帮助", []string{"xuexibot 命令"}, nil, "help/ok"},
		{"help set", notAdmin, "/help set", []string{"**/set**（也可写 /设置", "用法：/set 学校名称 字段=值", "只有管理员可以使用"}, nil, "help/ok"},
		{"help chinese", notAdmin, "/help /截止", []string{"**/deadline**", "带参数时只有管理员"}, nil, "help/ok"},
		{"help unknown", notAdmin, "/help nope", []string{"没有命令 /nope"}, nil, "help/user_error"},
		{"slash only", notAdmin, "/", []string{"xuexibot 命令"}, nil, "help/ok"},
		{"plain help", notAdmin, "帮助", []string{"xuexibot 命令"}, nil, "help/ok"},
		{"typo", notAdmin, "/stauts 湖南警察学院", []string{"没有命令 /stauts。你是不是想输入 /status？"}, nil, "none/user_error"},
		{"chinese typo", notAdmin, "/状太 湖南警察学院", []string{"你是不是想输入 /状态？"}, nil, "none/user_error"},
		{"far off", notAdmin, "/xyzzy", []string{"没有命令 /xyzzy。发送 /帮助"}, []string{"你是不是"}, "none/user_error"},
		{"too long", notAdmin, long, []string{"消息太长（508 字）"}, nil, "none/user_error"},
		{"empty", notAdmin, "", []string{"只能读文字消息"}, nil, "none/user_error"},
		{"admins", notAdmin, "/admins", []string{"- admin1", "你不是管理员"}, []string{"- \n"}, "admins/ok"},
		{"admins admin", admin, "/管理员", []string{"你是管理员"}, nil, "admins/ok"},
		{"remind off", admin, "/remind 催办", []string{"控制台中不运行定时提醒", "由 xuexibot run 按配置发送"}, []string{"未启用"}, "remind/ok"},
		{"schedule off", notAdmin, "/schedule", []string{"控制台中不运行定时提醒"}, []string{"未启用"}, "schedule/ok"},
		{"help history", notAdmin, "/help history", []string{"用法：/history [学校名称|全部] [页码]", "近 30 天的全部记录", "被拒绝的操作"}, nil, "help/ok"},
	})
}

// jobs is a Scheduler that records what it ran.
type jobs struct {
	ran  []string
	fail error
}

func (j *jobs) JobNames() []string { return []string{"deadline", "lagging", "report"} }
func (j *jobs) Spec(job string) string {
	if job == "report" {
		return ""
	}
	return "0 9 * * *"
}
func (j *jobs) Next(job string) time.Time {
	if job == "report" {
		return time.Time{}
	}
	return time.Date(2019, 3, 9, 9, 0, 0, 0, store.Shanghai())
}
func (j *jobs) RunJob(ctx context.Context, job string) error {
	j.ran = append(j.ran, job)
	return j.fail
}

func TestRemindSchedule(t *testing.T) {
	s := &jobs{}
	e := newEnv(t, func(c *Config) { c.Scheduler = s })
	e.run([]tcase{
		{"schedule", notAdmin, "/schedule", []string{"倒计时（deadline）：0 9 * * *，下次 2019-03-09 09:00", "通报（report）：已关闭"}, nil, "schedule/ok"},
		{"remind", admin, "/remind 催办", []string{"已执行催办（lagging）"}, nil, "remind/ok"},
		{"remind english", admin, "/提醒 REPORT", []string{"已执行通报（report）"}, nil, "remind/ok"},
		{"unknown job", admin, "/remind 放假", []string{"没有定时任务“放假”", "倒计时（deadline）"}, nil, "remind/user_error"},
		{"non-admin", notAdmin, "/remind lagging", []string{"只有管理员"}, nil, "remind/denied"},
		{"missing", admin, "/remind", []string{"用法：/remind"}, nil, "remind/user_error"},
	})
	if strings.Join(s.ran, ",") != "lagging,report" {
		t.Errorf("jobs ran %v, want lagging,report", s.ran)
	}
	s.fail = errors.New("outbox: disk full")
	e.run([]tcase{{"failing job", admin, "/remind deadline", []string{"执行“倒计时（deadline）”失败"}, []string{"disk full"}, "remind/internal"}})
}

func TestRegisterRejectsDuplicates(t *testing.T) {
	e := newEnv(t)
	h := HandlerFunc(func(context.Context, *Request) (bot.Reply, error) { return bot.Reply{}, nil })
	for _, c := range []Command{
		{Name: "status", Handler: h},
		{Name: "state", Aliases: []string{"状态"}, Handler: h},
		{Name: "x1", Aliases: []string{"HELP"}, Handler: h},
		{Name: "x2", Aliases: []string{"a", "a"}, Handler: h},
		{Name: "", Handler: h},
		{Name: "x3 y", Handler: h},
		{Name: "x4"},
	} {
		if err := e.r.Register(c); err == nil {
			t.Errorf("Register(%q %v) succeeded, want an error", c.Name, c.Aliases)
		}
	}
	if err := e.r.Register(Command{Name: "ping", Aliases: []string{"乒"}, Handler: h, Help: "测试"}); err != nil {
		t.Fatal(err)
	}
	if got := e.say(notAdmin, "/help"); !strings.Contains(got, "测试") {
		t.Errorf("help does not list a registered command:\n%s", got)
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New without a registry succeeded")
	}
}

func TestPanicBecomesInternalError(t *testing.T) {
	e := newEnv(t)
	if err := e.r.Register(Command{Name: "boom", Handler: HandlerFunc(func(context.Context, *Request) (bot.Reply, error) {
		var m map[string]int
		m["x"]++ // a nil map write: a real bug, not a staged error
		return bot.Reply{}, nil
	})}); err != nil {
		t.Fatal(err)
	}
	e.run([]tcase{{"panic", notAdmin, "/boom", []string{"内部错误"}, []string{"nil map"}, "boom/internal"}})
	if log := e.logBuf.String(); !strings.Contains(log, "command panicked") || !strings.Contains(log, "goroutine") {
		t.Errorf("panic not logged with a stack:\n%s", log)
	}
	// The router still answers.
	e.run([]tcase{{"after", notAdmin, "/status 湖南警察学院", []string{"### 湖南警察学院"}, nil, "status/ok"}})
}

func TestStoreUnavailable(t *testing.T) {
	e := newEnv(t)
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	e.run([]tcase{
		{"status", notAdmin, "/status 湖南警察学院", []string{"数据存储暂时不可用，请稍后再试"}, []string{"bolt", "closed"}, "status/internal"},
		{"summary", notAdmin, "/summary", []string{"数据存储暂时不可用"}, nil, "summary/internal"},
		{"done", admin, "/done 湖南警察学院 认证", []string{"数据存储暂时不可用"}, nil, "done/internal"},
	})
	_ = start
	if len(e.met.storeOps) == 0 || e.met.storeOps[0] != "resolve" {
		t.Errorf("store errors counted %v, want resolve first", e.met.storeOps)
	}
	if !strings.Contains(e.logBuf.String(), "store failed") {
		t.Errorf("store failure not logged:\n%s", e.logBuf.String())
	}
}

func TestSplit(t *testing.T) {
	e := newEnv(t)
	r := e.reply(notAdmin, "/lagging")
	r.Mentions = []bot.Mention{{UserID: "u1", Name: "张三"}}
	r.Link = &bot.Link{Title: "看板", URL: "https://x.example/"}
	parts := Split(r, 300)
	if len(parts) < 2 {
		t.Fatalf("split into %d parts", len(parts))
	}
	var all strings.Builder
	for i, p := range parts {
		if len(p.Markdown) > 300 {
			t.Errorf("part %d has %d bytes", i, len(p.Markdown))
		}
		all.WriteString(p.Markdown)
	}
	if !strings.Contains(parts[0].Title, "（1/") || parts[0].Mentions == nil || parts[len(parts)-1].Link == nil || parts[0].Link != nil {
		t.Errorf("titles, mentions or link misplaced: %+v", parts)
	}
	for _, name := range []string{"湖南警察学院", "潇湘职业学院"} {
		if !strings.Contains(all.String(), name) {
			t.Errorf("split lost %s", name)
		}
	}
	if one := Split(bot.Reply{Markdown: "短"}, 0); len(one) != 1 || one[0].Markdown != "短" {
		t.Errorf("short reply split: %+v", one)
	}
}

func TestConcurrentMessages(t *testing.T) {
	e := newEnv(t)
	schools := []string{"湖南警察学院", "湖南应用技术学院", "湖南交通工程学院", "益阳医学高等专科学校"}
	done := make(chan string)
	for _, s := range schools {
		go func() {
			r := e.r.Handle(context.Background(), bot.Message{Sender: bot.User{ID: admin}, Text: "/done " + s + " 认证"})
			e.r.Handle(context.Background(), bot.Message{Sender: bot.User{ID: notAdmin}, Text: "/status " + s})
			done <- r.Markdown
		}()
	}
	for range schools {
		if got := <-done; !strings.Contains(got, "登记完成") {
			t.Errorf("concurrent /done: %s", got)
		}
	}
	if n := e.pending(store.MilestoneCertify); n != 27 {
		t.Errorf("certify pending %d, want 27", n)
	}
}

// The general trail shows what no school's history holds: deadline moves,
// refused /deadline and /remind, refusals for names that match no school.
func TestHistoryTrail(t *testing.T) {
	e := newEnv(t)
	long := "/set 湖南警察学院 管理员=" + strings.Repeat("很", 80)
	e.run([]tcase{
		{"empty trail", notAdmin, "/history", []string{"近 30 天的全部变更记录（第 1 页，最新的在前）", "本页 1 条，其中被拒绝的操作 0 条", "1. ", "初始数据", "已是近 30 天最早的记录"}, []string{"共 ", "更早的记录："}, "history/ok"},
		{"refused deadline", notAdmin, "/deadline 认证 2019-03-20", []string{"只有管理员"}, nil, "deadline/denied"},
		{"move", admin, "/deadline 认证 2019-03-15", []string{"改为 **3月15日 24:00**"}, nil, "deadline/ok"},
		{"refused remind", notAdmin, "/remind 催办", []string{"只有管理员"}, nil, "remind/denied"},
		{"unknown school", notAdmin, "/done 火星大学 认证", []string{"只有管理员"}, nil, "done/denied"},
		{"admin typo", admin, "/deadline 毕业 2019-03-15", []string{"没有工作节点“毕业”"}, nil, "deadline/user_error"},
		{"long", admin, long, []string{"太长"}, nil, "set/user_error"},
	})
	got := e.say(notAdmin, "/history")
	check(t, "trail", got, []string{
		"本页 7 条，其中被拒绝的操作 5 条",
		"1. 2019-03-08 10:00 王管理（admin1） 被拒绝 湖南警察学院：/set 湖南警察学院 管理员=很很",
		"…（学习管理员姓名",
		"2. 2019-03-08 10:00 王管理（admin1） 被拒绝：/deadline 毕业 2019-03-15（没有工作节点“毕业”",
		"3. 2019-03-08 10:00 路人甲（user9） 被拒绝：/done 火星大学 认证（无权限：不是管理员）",
		"4. 2019-03-08 10:00 路人甲（user9） 被拒绝：/remind 催办（无权限：不是管理员）",
		"5. 2019-03-08 10:00 王管理（admin1）：「完成上下级认证」截止时间 2019-03-10 24:00 → 2019-03-15 24:00",
		"6. 2019-03-08 10:00 路人甲（user9） 被拒绝：/deadline 认证 2019-03-20（无权限：不是管理员）",
		"7. ",
	}, []string{strings.Repeat("很", 80), "更早的记录"})
	// The trail is also /history 全部, and pages like a school's.
	for i := 0; i < 6; i++ {
		e.say(notAdmin, "/undo 湖南大学 认证")
	}
	e.run([]tcase{
		{"page 1", notAdmin, "/history 全部", []string{"（第 1 页，", "本页 10 条", "10. ", "更早的记录：发送 /history 全部 2"}, []string{"11. ", "最早的记录"}, "history/ok"},
		{"page 2", notAdmin, "/记录 全部 2", []string{"（第 2 页，", "本页 3 条", "11. ", "13. ", "初始数据", "已是近 30 天最早的记录"}, []string{"10. ", "更早的记录："}, "history/ok"},
		{"page alone", notAdmin, "/history 2", []string{"（第 2 页，"}, nil, "history/ok"},
		{"too far", notAdmin, "/history 全部 3", []string{"只有 2 页"}, nil, "history/user_error"},
		{"far too far", notAdmin, "/history 全部 101", []string{"页码“101”无效：应为 1 到 100 之间的整数"}, nil, "history/user_error"},
		{"bad page", notAdmin, "/history 全部 0", []string{"页码“0”无效"}, nil, "history/user_error"},
	})
	// Exactly two full pages: the second knows it is the last, a third is
	// refused with the exact count.
	for i := 0; i < 7; i++ {
		e.say(notAdmin, "/undo 湖南大学 认证")
	}
	e.run([]tcase{
		{"full page 2", notAdmin, "/history 全部 2", []string{"本页 10 条", "11. ", "20. ", "初始数据", "已是近 30 天最早的记录"}, []string{"21. ", "更早的记录："}, "history/ok"},
		{"full too far", notAdmin, "/history 全部 3", []string{"只有 2 页"}, nil, "history/user_error"},
	})
}

// The reviewer's repro: a burst of refused attempts before a real change
// must not push the change out of /summary.
func TestSummaryAfterRefusalBurst(t *testing.T) {
	e := newEnv(t)
	for i := 0; i < 205; i++ {
		e.say(notAdmin, "/done 湖南警察学院 认证")
	}
	e.say(admin, "/set 湖南警察学院 党员数=5")
	got := e.say(notAdmin, "/summary")
	check(t, "summary", got, []string{"以来的变化", "共 2 条，最新的在前", "王管理（admin1） 湖南警察学院：党员数 0 → 5"}, []string{"被拒绝", "最近 20 条"})
}
