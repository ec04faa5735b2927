package dingtalk

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"xuexibot/bot"
)

func TestPacerSlidingWindow(t *testing.T) {
	p := newPacer(3, time.Minute)
	t0 := time.Date(2019, 3, 7, 9, 0, 0, 0, time.UTC)
	want := []time.Time{t0, t0, t0, t0.Add(time.Minute), t0.Add(time.Minute), t0.Add(time.Minute), t0.Add(2 * time.Minute)}
	for i, w := range want {
		if got := p.reserve("g", t0); !got.Equal(w) {
			t.Errorf("send %d starts at %v, want %v", i, got.Sub(t0), w.Sub(t0))
		}
	}
	// Another key has its own window.
	if got := p.reserve("h", t0); !got.Equal(t0) {
		t.Errorf("other group waits %v", got.Sub(t0))
	}
	// After a quiet spell sends go at once again.
	late := t0.Add(time.Hour)
	if got := p.reserve("g", late); !got.Equal(late) {
		t.Errorf("after an hour a send waits %v", got.Sub(late))
	}
	// In any window of one minute at most 3 of 20 reservations start.
	p = newPacer(3, time.Minute)
	var starts []time.Time
	for i := range 20 {
		starts = append(starts, p.reserve("g", t0.Add(time.Duration(i)*7*time.Second)))
	}
	for i := range starts {
		n := 0
		for _, s := range starts {
			if !s.Before(starts[i]) && s.Before(starts[i].Add(time.Minute)) {
				n++
			}
		}
		if n > 3 {
			t.Fatalf("%d sends within a minute of %v", n, starts[i].Sub(t0))
		}
	}
}

func TestSplitWithinBudget(t *testing.T) {
	line := "- 湖南大学 \"完成\" <b> & \\ 认证\t\n"
	text := strings.Repeat(line, 500) + strings.Repeat("长", 9000) // one line longer than the budget
	const budget = 15000
	parts := split(text, budget)
	if len(parts) < 3 {
		t.Fatalf("%d parts", len(parts))
	}
	for i, p := range parts {
		b, _ := json.Marshal(p)
		if got := len(marshal(p)) - 2; got > budget || got != escLen(p) {
			t.Errorf("part %d: %d escaped bytes (escLen %d, json.Marshal %d), budget %d", i, got, escLen(p), len(b)-2, budget)
		}
	}
	squash := func(s string) string { return strings.Join(strings.Fields(s), "") }
	if squash(strings.Join(parts, "")) != squash(text) {
		t.Error("the parts do not add up to the text")
	}
	if got := split("short", budget); len(got) != 1 || got[0] != "short" {
		t.Errorf("split(short) = %q", got)
	}
}

func TestTrustedSessionHosts(t *testing.T) {
	c, err := NewClient(Config{APIHost: "http://127.0.0.1:8080"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for u, want := range map[string]bool{
		"https://oapi.dingtalk.com/robot/sendBySession?session=x":      true,
		"https://api.dingtalk.com/x":                                   true,
		"https://dingtalk.com/x":                                       true,
		"https://OAPI.DingTalk.com/x":                                  true,
		"http://127.0.0.1:9999/robot/sendBySession?session=x":          true, // api_host's host, any port
		"http://oapi.dingtalk.com/robot/sendBySession":                 false,
		"https://oapi.dingtalk.com.evil.example/robot/sendBySession":   false,
		"https://evildingtalk.com/x":                                   false,
		"https://user:pw@oapi.dingtalk.com/x":                          false,
		"http://localhost:9999/robot/sendBySession":                    false,
		"ftp://127.0.0.1/x":                                            false,
		"":                                                             false,
		"/relative/path":                                               false,
		"https://169.254.169.254/latest/meta-data":                     false,
		"https://oapi.dingtalk.com@evil.example/robot/sendBySession?x": false,
	} {
		if got := c.trusted(u); got != want {
			t.Errorf("trusted(%q) = %v, want %v", u, got, want)
		}
	}
}

func TestRenderMentionsAndLink(t *testing.T) {
	r := bot.Reply{
		Markdown: "#### 进度\n已完成 3 所",
		Mentions: []bot.Mention{{UserID: "u1", Name: "张三"}, {Mobile: "13800000000", Name: "李四"}, {Name: "王五"}},
		Link:     &bot.Link{Title: "看板", URL: "https://example.org/d?a=1&b=2"},
	}
	at := render(r, true, maxBody)
	if at.title != "进度" || at.atUserIDs[0] != "u1" || at.atMobiles[0] != "13800000000" ||
		!strings.HasSuffix(at.parts[0], "已完成 3 所\n\n@u1 @13800000000 @王五") ||
		at.link == nil || at.link.URL != r.Link.URL || strings.Contains(at.parts[0], "](") {
		t.Errorf("render with @ = %+v", at)
	}
	plain := render(r, false, maxMsgParam)
	if len(plain.atUserIDs) != 0 || !strings.HasSuffix(plain.parts[0], "@张三 @李四 @王五") {
		t.Errorf("render without @ = %+v", plain)
	}
	// A link without a title still gets a button label.
	if l := render(bot.Reply{Markdown: "x", Link: &bot.Link{URL: "https://e.org/"}}, false, maxMsgParam).link; l == nil || l.Title == "" {
		t.Errorf("untitled link = %+v", l)
	}
}

// An actionCard has no at object: its mentions stay in the text; a split
// message carries the button on its last part and the at lists on its
// first, which is markdown.
func TestWebhookBodyActionCard(t *testing.T) {
	r := bot.Reply{Title: "通报", Markdown: "#### 通报\n全部完成", Mentions: []bot.Mention{{UserID: "u1"}},
		Link: &bot.Link{Title: "打开进度看板", URL: "https://x.example/"}}
	var one map[string]any
	if err := json.Unmarshal(render(r, true, maxBody).webhookBody(0, "id-1"), &one); err != nil {
		t.Fatal(err)
	}
	card, _ := one["actionCard"].(map[string]any)
	if one["msgtype"] != "actionCard" || one["at"] != nil || one["msgUuid"] != "id-1" || card == nil ||
		card["singleURL"] != "https://x.example/" || card["singleTitle"] != "打开进度看板" || card["btnOrientation"] != "0" ||
		!strings.Contains(card["text"].(string), "@u1") || card["title"] != "通报" {
		t.Errorf("single actionCard body = %v", one)
	}
	r.Markdown = strings.Repeat("- 湖南大学 完成认证\n", 2000)
	rd := render(r, true, maxBody-bodyOverhead)
	if len(rd.parts) < 2 {
		t.Fatalf("%d parts", len(rd.parts))
	}
	var first, last map[string]any
	_ = json.Unmarshal(rd.webhookBody(0, "id"), &first)
	_ = json.Unmarshal(rd.webhookBody(len(rd.parts)-1, "id"), &last)
	if first["msgtype"] != "markdown" || first["at"] == nil || last["msgtype"] != "actionCard" || last["at"] != nil {
		t.Errorf("first part %v / last part %v", first["msgtype"], last["msgtype"])
	}
}

// Throttling codes are recognised without a package-level table.
func TestTransientCode(t *testing.T) {
	for code, want := range map[string]bool{"send.too.fast": true, "systemBusy": true, "Forbidden.AccessDenied.QpsLimitForApi": true, "system.error": false, "": false} {
		if transientCode(code) != want {
			t.Errorf("transientCode(%q) = %v", code, !want)
		}
	}
}
