package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"xuexibot/bot"
	"xuexibot/bot/console"
	"xuexibot/commands"
	"xuexibot/store/bolt/bolttest"
)

// newRouter is the real Router over a seeded bolt store, admin "admin1".
func newRouter(t *testing.T) *commands.Router {
	t.Helper()
	st := bolttest.Seeded(t)
	r, err := commands.New(commands.Config{Registry: st, Admins: []string{"admin1"}})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRunAcceptance(t *testing.T) {
	r := newRouter(t)
	in := strings.NewReader("/status 湖南警察学院\n\n/lagging\n/summary\n/done 湖南警察学院 certify\n/lagging certify\n/history 湖南警察学院\n")
	var out bytes.Buffer
	if err := console.Run(context.Background(), r, in, &out, bot.User{ID: "admin1", Nick: "运维"}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"湖南警察学院\n\n- 类别：本科学校",
		"有工作节点未完成的高校（31 所）", "一、本科学校（3 所）", "二、高等专科学校（1 所）", "三、高等职业学院（27 所）",
		"高校“学习强国”推广进度汇总", "红榜",
		"已为 湖南警察学院 登记完成「完成上下级认证」",
		"未完成「完成上下级认证」的高校（30 所）",
		"运维（admin1） 湖南警察学院：完成上下级认证 未完成 → 已完成",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q", want)
		}
	}
	for _, not := range []string{"**", "###", "> "} {
		if strings.Contains(got, not) {
			t.Errorf("console output keeps markdown or a prompt %q", not)
		}
	}
}

func TestRunNonAdminChangesNothing(t *testing.T) {
	r := newRouter(t)
	in := strings.NewReader("/done 湖南警察学院 certify\n/lagging certify\n/deadline 认证 2019-03-20\n/history\n/schedule")
	var out bytes.Buffer
	if err := console.Run(context.Background(), r, in, &out, bot.User{ID: "someone", Nick: "路人"}); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "只有管理员可以使用") || !strings.Contains(got, "（31 所）") {
		t.Errorf("non-admin output:\n%s", got)
	}
	// The refusals show in the general trail, the one about no school too.
	for _, want := range []string{
		"其中被拒绝的操作 2 条",
		"1. ", "路人（someone） 被拒绝：/deadline 认证 2019-03-20（无权限：不是管理员）",
		"路人（someone） 被拒绝 湖南警察学院：/done 湖南警察学院 certify",
		"控制台中不运行定时提醒",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("non-admin output lacks %q:\n%s", want, got)
		}
	}
}

func TestRunStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out bytes.Buffer
	h := bot.HandlerFunc(func(context.Context, bot.Message) bot.Reply {
		t.Error("handler called after cancel")
		return bot.Reply{}
	})
	if err := console.Run(ctx, h, strings.NewReader("/help\n"), &out, bot.User{}); err != nil {
		t.Fatal(err)
	}
}

func TestRunMessages(t *testing.T) {
	var got []bot.Message
	h := bot.HandlerFunc(func(_ context.Context, m bot.Message) bot.Reply {
		got = append(got, m)
		if m.Text == "silent" {
			return bot.Reply{}
		}
		return bot.Reply{
			Markdown: "#### 提醒\n请 @u1 和 @13800000000 查看 [看板](https://x.example/)",
			Mentions: []bot.Mention{{UserID: "u1", Name: "张三"}, {Mobile: "13800000000", Name: "李四"}, {UserID: "u3", Name: "王五"}},
			Link:     &bot.Link{Title: "打开看板", URL: "https://x.example/d"},
		}
	})
	var out bytes.Buffer
	if err := console.Run(context.Background(), h, strings.NewReader("a\nsilent\r\nb"), &out, bot.User{ID: "u9", Nick: "n"}); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID == got[1].ID || got[1].ID == got[2].ID {
		t.Fatalf("messages %+v: want 3 with unique ids", got)
	}
	for _, m := range got {
		if m.Conversation != "console" || m.Type != bot.Direct || m.Sender.ID != "u9" {
			t.Errorf("message %+v", m)
		}
	}
	if got[1].Text != "silent" {
		t.Errorf("CRLF not trimmed: %q", got[1].Text)
	}
	want := "提醒\n请 @张三 和 @李四 查看 看板（https://x.example/）\n@王五\n打开看板：https://x.example/d\n\n"
	if s := out.String(); s != want+want {
		t.Errorf("output:\n%q\nwant twice:\n%q", s, want)
	}
}
