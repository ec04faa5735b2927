package dingtalk_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/bot"
	"xuexibot/bot/dingtalk"
	"xuexibot/bot/dingtalk/dingtalktest"
)

func TestAckedAnsweredOnceWithMention(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	f := h.fake
	var ids []string
	for i := range 5 {
		ids = append(ids, f.Push(dingtalktest.Msg{SenderID: fmt.Sprint("staff-", i), SenderNick: "张三", Text: fmt.Sprint(" /状态 ", i)}))
	}
	for i, id := range ids {
		got := f.WaitReplies(id, 1, 10*time.Second)
		if len(got) != 1 {
			t.Fatalf("message %s: %d replies", id, len(got))
		}
		r := got[0]
		staff := fmt.Sprint("staff-", i)
		if r.MsgType != "markdown" || !strings.HasPrefix(r.Text, fmt.Sprint("echo /状态 ", i)) {
			t.Errorf("reply %q (%s): want trimmed echo in markdown", r.Text, r.MsgType)
		}
		if !strings.Contains(r.Text, "@"+staff) || !slices.Equal(r.AtUserIDs, []string{staff}) {
			t.Errorf("reply does not @ its sender: text %q at %v", r.Text, r.AtUserIDs)
		}
	}
	// Redelivery of an answered message: ACKed again, not answered again.
	f.Redeliver(ids[0])
	waitFor(t, 10*time.Second, "ack of the redelivery", func() bool { return len(f.Acks(ids[0])) == 2 })
	h.stop() // drains the dispatcher
	for _, id := range ids {
		acks := f.Acks(id)
		for _, a := range acks {
			if a.Code != 200 {
				t.Errorf("message %s acked with %+v", id, a)
			}
		}
		if n := len(f.Replies(id)); n != 1 {
			t.Errorf("message %s answered %d times", id, n)
		}
	}
	if h.metrics.dedup.Load() != 1 {
		t.Errorf("dedup metric = %d, want 1", h.metrics.dedup.Load())
	}
	// The client answers SYSTEM ping with the opaque data; checked on a
	// second bot since this one has stopped.
}

func TestSystemPingAnswered(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	waitFor(t, 10*time.Second, "connection", h.stream.Connected)
	if n := h.fake.Ping(); n != 1 {
		t.Fatalf("pinged %d connections, want 1", n)
	}
	waitFor(t, 5*time.Second, "ping answer", func() bool { return h.fake.PingAcks() == 1 })
}

func TestBurstOf300(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	f := h.fake
	const n = 300
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i] = f.Push(dingtalktest.Msg{SenderID: fmt.Sprint("s", i), Text: fmt.Sprintf(" /查询 学校%03d", i)})
		}()
	}
	wg.Wait()
	if !f.WaitFor(60*time.Second, func() bool { return len(f.SentVia("session")) >= n }) {
		t.Fatalf("%d of %d answered", len(f.SentVia("session")), n)
	}
	for i, id := range ids {
		rs := f.Replies(id)
		if len(rs) != 1 {
			t.Errorf("message %d: %d replies to its session", i, len(rs))
			continue
		}
		if want := fmt.Sprintf("echo /查询 学校%03d", i); !strings.HasPrefix(rs[0].Text, want) {
			t.Errorf("message %d's session got %q, want %q", i, rs[0].Text, want)
		}
		if acks := f.Acks(id); len(acks) != 1 || acks[0].Code != 200 {
			t.Errorf("message %d acks: %+v", i, acks)
		}
	}
	if len(f.Sent()) != n {
		t.Errorf("%d messages sent in all, want %d", len(f.Sent()), n)
	}
}

func TestReconnectsAfterDrop(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	f := h.fake
	waitFor(t, 10*time.Second, "first connection", func() bool { return h.stream.Connected() && f.Connections() == 1 })
	f.DropAll()
	// The bot answers within 15 s of the drop.
	id := f.Push(dingtalktest.Msg{SenderID: "s1", Text: "/状态"})
	if got := f.WaitReplies(id, 1, 15*time.Second); len(got) != 1 {
		t.Fatal("no answer within 15 s of the drop")
	}
	waitFor(t, 5*time.Second, "Connected", h.stream.Connected)
	if h.metrics.reconnected.Load() < 1 {
		t.Error("Reconnected not reported")
	}
}

func TestSilentLinkReplaced(t *testing.T) {
	t.Parallel()
	// The default keep-alive: the issue asks for a dead link noticed within 30 s.
	h := start(t, echoHandler, nil)
	f := h.fake
	waitFor(t, 10*time.Second, "first connection", func() bool { return f.Connections() == 1 })
	regs := f.Registrations()
	f.Silence()
	waitFor(t, 30*time.Second, "a new connection after the link went silent", func() bool {
		return f.Registrations() > regs && f.Connections() == 1
	})
	id := f.Push(dingtalktest.Msg{SenderID: "s1", Text: "/状态"})
	if len(f.WaitReplies(id, 1, 10*time.Second)) != 1 {
		t.Fatal("not answered on the new connection")
	}
}

func TestSystemDisconnect(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	f := h.fake
	waitFor(t, 10*time.Second, "first connection", func() bool { return f.Connections() == 1 })
	f.Disconnect()
	// Reconnected well before the server's own close 10 s later.
	waitFor(t, 8*time.Second, "reconnect after SYSTEM disconnect", func() bool { return f.Connections() == 1 && f.Registrations() == 2 })
	id := f.Push(dingtalktest.Msg{SenderID: "s1", Text: "/状态"})
	if len(f.WaitReplies(id, 1, 10*time.Second)) != 1 {
		t.Fatal("not answered after SYSTEM disconnect")
	}
}

func TestFirstConnectRetried(t *testing.T) {
	t.Parallel()
	f := dingtalktest.NewServer(t)
	f.FailRegistrations(2)
	h := startOn(t, f, echoHandler, nil)
	waitFor(t, 15*time.Second, "connection after refused registrations", h.stream.Connected)
	if f.Registrations() != 3 {
		t.Errorf("%d registrations, want 3", f.Registrations())
	}
}

func TestExpiredSessionFallsBackToGroup(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	f := h.fake
	// Expired by its time: not even tried.
	id := f.Push(dingtalktest.Msg{SenderID: "s1", SenderNick: "李四", Text: "/状态", SessionExpires: time.Now().Add(-time.Minute)})
	if !f.WaitFor(10*time.Second, func() bool { return len(f.SentVia("group")) == 1 }) {
		t.Fatal("no group send for an expired session")
	}
	g := f.SentVia("group")[0]
	if g.Conversation != f.GroupID || !strings.Contains(g.Text, "echo /状态") || !strings.Contains(g.Text, "@李四") {
		t.Errorf("fallback = %+v", g)
	}
	if len(f.Replies(id)) != 0 {
		t.Error("an expired session was posted to")
	}
	// Refused by the platform: falls back too.
	f.ExpireSessions()
	f.Push(dingtalktest.Msg{SenderID: "s2", Text: "/帮助"})
	if !f.WaitFor(10*time.Second, func() bool { return len(f.SentVia("group")) == 2 }) {
		t.Fatal("no group send after the session was refused")
	}
	// A 1:1 chat of an admin falls back to a 1:1 send.
	f.Push(dingtalktest.Msg{Type: "1", Conversation: "cid-direct", SenderID: admin, Text: "/帮助"})
	if !f.WaitFor(10*time.Second, func() bool { return len(f.SentVia("user")) == 1 }) {
		t.Fatal("no 1:1 send after the session was refused")
	}
	if u := f.SentVia("user")[0]; !slices.Equal(u.UserIDs, []string{admin}) {
		t.Errorf("1:1 fallback went to %v", u.UserIDs)
	}
}

func TestForeignSessionHostRefused(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	f := h.fake
	// The fake's own session server, but named "localhost" rather than
	// api_host's 127.0.0.1: another host as far as the check goes.
	foreign := f.SessionURL()
	foreign.Host = "localhost:" + foreign.Port()
	for _, hook := range []string{
		foreign.String(),
		"https://oapi.dingtalk.com.evil.example/robot/sendBySession?session=x",
		"https://user:pw@oapi.dingtalk.com/robot/sendBySession?session=x",
		"http://oapi.dingtalk.com/robot/sendBySession?session=x",
	} {
		f.Push(dingtalktest.Msg{SenderID: "s1", Text: "/状态", SessionWebhook: hook})
	}
	if !f.WaitFor(10*time.Second, func() bool { return len(f.SentVia("group")) == 4 }) {
		t.Fatalf("group fallbacks = %d, want 4", len(f.SentVia("group")))
	}
	if n := len(f.SentVia("session")); n != 0 {
		t.Errorf("%d posts to refused sessionWebhooks", n)
	}
	if !strings.Contains(h.logs.String(), "untrusted host") {
		t.Error("refusal not logged")
	}
}

func TestDeclinesAndHints(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	f := h.fake
	other := f.Push(dingtalktest.Msg{Conversation: "cid-other-group", SenderID: "s1", Text: "/状态"})
	stranger := f.Push(dingtalktest.Msg{Type: "1", Conversation: "cid-d1", SenderID: "s1", Text: "/状态"})
	external := f.Push(dingtalktest.Msg{Type: "1", Conversation: "cid-d2", SenderID: "", Text: "/状态"})
	adm := f.Push(dingtalktest.Msg{Type: "1", Conversation: "cid-d3", SenderID: admin, Text: "/状态"})
	picture := f.Push(dingtalktest.Msg{SenderID: "s1", MsgType: "picture", NoText: true})
	quota := f.Push(dingtalktest.Msg{SenderID: "s1", NoText: true, ErrorMessage: "20001"})
	spaces := f.Push(dingtalktest.Msg{SenderID: "s1", Text: "   "})
	want := map[string]string{
		other:    dingtalk.TextNotThisGroup,
		stranger: dingtalk.TextNotAdmin,
		external: dingtalk.TextNotAdmin,
		adm:      "echo /状态",
		picture:  bot.TextNoText,
		quota:    bot.TextNoText,
		spaces:   bot.TextNoText,
	}
	for id, w := range want {
		got := f.WaitReplies(id, 1, 10*time.Second)
		if len(got) != 1 || !strings.HasPrefix(got[0].Text, w) {
			t.Errorf("message %s: replies %+v, want %q", id, got, w)
		}
	}
	// No @ in a 1:1 chat.
	if got := f.Replies(adm); len(got) == 1 && len(got[0].AtUserIDs) != 0 {
		t.Errorf("1:1 reply @-mentions %v", got[0].AtUserIDs)
	}
}

func TestLongReplySplit(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("- 湖南大学 完成安装与认证 <ok> & \"done\"\n", 900) // ~45 KB
	h := start(t, bot.HandlerFunc(func(_ context.Context, m bot.Message) bot.Reply {
		return bot.Reply{Title: "通报", Markdown: long}
	}), nil)
	f := h.fake
	id := f.Push(dingtalktest.Msg{SenderID: "s1", Text: "/通报"})
	// The fake refuses bodies of 20000 bytes or more, so arriving at all
	// means every part was within the limit.
	if !f.WaitFor(10*time.Second, func() bool { return joined(f.Replies(id)) == long }) {
		t.Fatalf("session parts = %d, text not reassembled", len(f.Replies(id)))
	}
	// The same through the OpenAPI, whose msgParam the fake caps at 15000 bytes.
	if err := h.client.SendGroup(t.Context(), f.GroupID, bot.Reply{Title: "通报", Markdown: long}); err != nil {
		t.Fatal(err)
	}
	if got := f.SentVia("group"); len(got) < 3 || joined(got) != long {
		t.Errorf("group parts = %d, text not reassembled", len(got))
	}
}

// joined reassembles split parts, less the @-mention line of the first.
func joined(parts []dingtalktest.Sent) string {
	var b strings.Builder
	for i, p := range parts {
		text := p.Text
		if i == 0 {
			text, _, _ = strings.Cut(text, "\n\n@")
		}
		b.WriteString(text)
		b.WriteString("\n")
	}
	return b.String()
}

func TestRunStopsOnCancel(t *testing.T) {
	t.Parallel()
	h := start(t, echoHandler, nil)
	waitFor(t, 10*time.Second, "connection", func() bool { return h.fake.Connections() == 1 })
	h.stop()
	if h.stream.Connected() {
		t.Error("Connected after Run returned")
	}
	waitFor(t, 5*time.Second, "fake sees the connection closed", func() bool { return h.fake.Connections() == 0 })
	regs := h.fake.Registrations()
	time.Sleep(1500 * time.Millisecond) // longer than the watcher's period
	if h.fake.Registrations() != regs {
		t.Error("the client reconnected after Run returned")
	}
}

// A reply with a Link (/summary with the dashboard) is an actionCard with
// one button on the sessionWebhook, and the sender is still named in the
// text; through the OpenAPI fallback it is a sampleActionCard.
func TestReplyLinkIsActionCard(t *testing.T) {
	t.Parallel()
	const dash = "https://xuexi.example/"
	h := start(t, bot.HandlerFunc(func(_ context.Context, m bot.Message) bot.Reply {
		return bot.Reply{Title: "进度", Markdown: "#### 进度\n已完成 3 所", Link: &bot.Link{Title: "打开进度看板", URL: dash}}
	}), nil)
	f := h.fake
	id := f.Push(dingtalktest.Msg{SenderID: "s1", SenderNick: "李四", Text: "/summary"})
	r := f.WaitReplies(id, 1, 10*time.Second)
	if len(r) != 1 || r[0].MsgType != "actionCard" || r[0].SingleURL != dash || r[0].SingleTitle != "打开进度看板" ||
		!strings.Contains(r[0].Text, "@s1") || strings.Contains(r[0].Text, "]("+dash) {
		t.Fatalf("session reply = %+v", r)
	}
	f.ExpireSessions()
	f.Push(dingtalktest.Msg{SenderID: "s2", Text: "/summary"})
	if !f.WaitFor(10*time.Second, func() bool { return len(f.SentVia("group")) == 1 }) {
		t.Fatal("no group send after the session was refused")
	}
	if g := f.SentVia("group")[0]; g.MsgType != "sampleActionCard" || g.SingleURL != dash {
		t.Errorf("fallback = %+v", g)
	}
}
