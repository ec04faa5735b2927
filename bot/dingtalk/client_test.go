package dingtalk_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/bot"
	"xuexibot/bot/dingtalk"
	"xuexibot/bot/dingtalk/dingtalktest"
	"xuexibot/store"
)

// newClient returns a Client on a fresh fake, without a stream.
func newClient(t *testing.T, edit func(*dingtalk.Config, *dingtalk.Options)) (*dingtalk.Client, *dingtalktest.Server, *syncBuffer) {
	t.Helper()
	f := dingtalktest.NewServer(t)
	logs := &syncBuffer{}
	cfg, opt := config(f), options(logs, nil)
	opt.Metrics = nil
	if edit != nil {
		edit(&cfg, &opt)
	}
	c, err := dingtalk.NewClient(cfg, opt)
	if err != nil {
		t.Fatal(err)
	}
	return c, f, logs
}

func TestTokenFetchedOnce(t *testing.T) {
	t.Parallel()
	c, f, _ := newClient(t, nil)
	const n = 50
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.Post(t.Context(), store.OutMsg{ID: fmt.Sprint("o", i), To: "group", Title: "催办", Markdown: fmt.Sprint("第", i, "条")})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.TokenRequests(); got != 1 {
		t.Errorf("%d token requests for %d concurrent sends, want 1", got, n)
	}
	if got := len(f.SentVia("group")); got != n {
		t.Errorf("%d group sends recorded, want %d", got, n)
	}
	// A token the server no longer accepts is renewed once and the send
	// goes through.
	f.RevokeTokens()
	if err := c.Post(t.Context(), store.OutMsg{ID: "after-revoke", To: "group", Markdown: "x"}); err != nil {
		t.Fatal(err)
	}
	if got := f.TokenRequests(); got != 2 {
		t.Errorf("%d token requests after a revoked token, want 2", got)
	}
}

func TestThrottledSendsRetried(t *testing.T) {
	t.Parallel()
	c, f, _ := newClient(t, nil)
	f.Throttle(2, dingtalktest.Throttle429)
	f.Throttle(3, dingtalktest.ThrottleTooFast)
	const n = 10
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.Post(t.Context(), store.OutMsg{ID: fmt.Sprint("t", i), To: "group", Markdown: fmt.Sprint("消息", i)})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("send not retried through throttling: %v", err)
		}
	}
	var texts []string
	for _, s := range f.SentVia("group") {
		texts = append(texts, s.Text)
	}
	slices.Sort(texts)
	if len(texts) != n || len(slices.Compact(texts)) != n {
		t.Errorf("group got %d distinct of %d messages: %v", len(slices.Compact(texts)), n, texts)
	}

	// Throttled beyond the retries: the caller gets a recognisable error.
	f.Throttle(4, dingtalktest.ThrottleTooFast)
	err := c.Post(t.Context(), store.OutMsg{ID: "x", To: "group", Markdown: "x"})
	var te *dingtalk.ThrottledError
	if !errors.Is(err, dingtalk.ErrThrottled) || !errors.As(err, &te) || te.RetryAfter <= 0 {
		t.Errorf("persistent throttling: err = %v, want a ThrottledError with RetryAfter", err)
	}
	// The custom robot's per-minute limit is not retried in place.
	f.Throttle(1, dingtalktest.Throttle130101)
	err = c.Post(t.Context(), store.OutMsg{ID: "w", To: "group", Markdown: "x", Mentions: []string{"u1"}})
	if !errors.As(err, &te) || te.Code != "130101" || te.RetryAfter != time.Minute {
		t.Errorf("130101: err = %v, want ThrottledError 130101 retry after 1m", err)
	}
	if err := c.Post(t.Context(), store.OutMsg{ID: "w", To: "group", Markdown: "x", Mentions: []string{"u1"}}); err != nil {
		t.Errorf("retry after 130101: %v", err)
	}
}

func TestWebhookSignedWithMentions(t *testing.T) {
	t.Parallel()
	c, f, logs := newClient(t, nil)
	m := store.OutMsg{ID: "remind-1", To: "group", Title: "截止提醒", Markdown: "### 请尽快完成认证", Mentions: []string{"u1", "u2"}}
	if err := c.Post(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	// The same message again (an outbox retry): DingTalk drops it by msgUuid.
	if err := c.Post(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := f.SentVia("webhook")
	if len(got) != 1 {
		t.Fatalf("webhook got %d messages, want 1", len(got))
	}
	w := got[0]
	if w.MsgUUID != "remind-1" || !slices.Equal(w.AtUserIDs, []string{"u1", "u2"}) ||
		!strings.Contains(w.Text, "@u1 @u2") || w.Title != "截止提醒" {
		t.Errorf("webhook message = %+v", w)
	}
	if n := len(f.SentVia("group")); n != 0 {
		t.Errorf("%d OpenAPI sends for a message with mentions", n)
	}

	// A wrong secret is refused by the fake's signature check.
	bad, f2, _ := newClient(t, func(c *dingtalk.Config, _ *dingtalk.Options) { c.WebhookSecret = "SEC-wrong" })
	err := bad.Post(t.Context(), m)
	var api *dingtalk.APIError
	if !errors.As(err, &api) || api.Code != "310000" {
		t.Errorf("wrong secret: err = %v, want APIError 310000", err)
	}
	if len(f2.SentVia("webhook")) != 0 {
		t.Error("a badly signed message was accepted")
	}
	for _, secret := range []string{f.ClientSecret, f.WebhookSecret, f.WebhookToken} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("a secret reached the logs: %q", secret)
		}
	}
}

func TestPostRouting(t *testing.T) {
	t.Parallel()
	c, f, _ := newClient(t, func(c *dingtalk.Config, _ *dingtalk.Options) { c.WebhookURL, c.WebhookSecret = "", "" })
	ctx := t.Context()
	if err := c.Post(ctx, store.OutMsg{ID: "1", To: "user:u9", Title: "提醒", Markdown: "请完成"}); err != nil {
		t.Fatal(err)
	}
	if u := f.SentVia("user"); len(u) != 1 || !slices.Equal(u[0].UserIDs, []string{"u9"}) || u[0].Text != "请完成" {
		t.Errorf("1:1 send = %+v", u)
	}
	// Without a webhook, mentions go through the OpenAPI group send.
	if err := c.Post(ctx, store.OutMsg{ID: "2", To: "group", Markdown: "请 张三 完成", Mentions: []string{"u1"}}); err != nil {
		t.Fatal(err)
	}
	if g := f.SentVia("group"); len(g) != 1 || g[0].MsgType != "sampleMarkdown" || g[0].Title == "" {
		t.Errorf("group send = %+v", g)
	}
	for _, to := range []string{"", "user:", "channel"} {
		if err := c.Post(ctx, store.OutMsg{ID: "3", To: to, Markdown: "x"}); err == nil {
			t.Errorf("Post to %q succeeded", to)
		}
	}
	if err := c.SendWebhook(ctx, bot.Reply{Markdown: "x"}, "4"); err == nil {
		t.Error("webhook send without webhook_url succeeded")
	}
}

func TestConfigChecked(t *testing.T) {
	for _, cfg := range []dingtalk.Config{
		{APIHost: "ftp://x"},
		{APIHost: "https://api.dingtalk.com", WebhookURL: "not a url"},
	} {
		if _, err := dingtalk.NewClient(cfg, dingtalk.Options{}); err == nil {
			t.Errorf("NewClient(%+v) accepted", cfg)
		}
	}
	c, err := dingtalk.NewClient(dingtalk.Config{}, dingtalk.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dingtalk.NewStream(dingtalk.Config{}, c, bot.NewDispatcher(echoHandler, nil, bot.Options{}), dingtalk.Options{}); err == nil {
		t.Error("NewStream without credentials accepted")
	}
}

// An outbox message with a link is an actionCard with one button on every
// channel: sampleActionCard through the OpenAPI (group and 1:1), msgtype
// actionCard through the custom robot, whose mentions stay in the text.
func TestPostActionCard(t *testing.T) {
	t.Parallel()
	c, f, _ := newClient(t, nil)
	ctx := t.Context()
	const dash = "https://xuexi.example/?a=1&b=2"
	m := store.OutMsg{ID: "report-1", To: "group", Title: "每周通报", Markdown: "## 每周通报\n\n全部完成", LinkTitle: "打开进度看板", LinkURL: dash}
	if err := c.Post(ctx, m); err != nil {
		t.Fatal(err)
	}
	m.ID, m.To = "report-1-u", "user:u9"
	if err := c.Post(ctx, m); err != nil {
		t.Fatal(err)
	}
	m.ID, m.To, m.Mentions = "report-1-w", "group", []string{"u1"}
	if err := c.Post(ctx, m); err != nil {
		t.Fatal(err)
	}
	for _, via := range []string{"group", "user"} {
		got := f.SentVia(via)
		if len(got) != 1 || got[0].MsgType != "sampleActionCard" || got[0].SingleURL != dash ||
			got[0].SingleTitle != "打开进度看板" || got[0].Title != "每周通报" || strings.Contains(got[0].Text, dash) {
			t.Errorf("%s send = %+v", via, got)
		}
	}
	w := f.SentVia("webhook")
	if len(w) != 1 || w[0].MsgType != "actionCard" || w[0].SingleURL != dash || !strings.Contains(w[0].Text, "@u1") ||
		len(w[0].AtUserIDs) != 0 || w[0].MsgUUID != "report-1-w" {
		t.Errorf("webhook send = %+v", w)
	}
	// Without a link the message stays markdown.
	if err := c.Post(ctx, store.OutMsg{ID: "plain", To: "group", Markdown: "x"}); err != nil {
		t.Fatal(err)
	}
	if g := f.SentVia("group"); g[len(g)-1].MsgType != "sampleMarkdown" || g[len(g)-1].SingleURL != "" {
		t.Errorf("plain send = %+v", g[len(g)-1])
	}
}

// Post never splits: a message too long for one send is refused before
// anything is posted, so a retry cannot post a first part twice.
func TestPostTooLongPostsNothing(t *testing.T) {
	t.Parallel()
	c, f, _ := newClient(t, nil)
	const line = "- 湖南大学 完成安装与认证\n"    // 37 bytes
	long := strings.Repeat(line, 1500) // ~55 KB
	for _, m := range []store.OutMsg{
		{ID: "g", To: "group", Markdown: long},
		{ID: "w", To: "group", Markdown: long, Mentions: []string{"u1"}},
		{ID: "u", To: "user:u9", Markdown: long, LinkURL: "https://x.example/"},
	} {
		if err := c.Post(t.Context(), m); !errors.Is(err, dingtalk.ErrTooLong) {
			t.Errorf("%s: err = %v, want ErrTooLong", m.ID, err)
		}
	}
	if n := len(f.Sent()); n != 0 {
		t.Errorf("%d sends reached DingTalk", n)
	}
	// Just under the client's limits it is one send.
	if err := c.Post(t.Context(), store.OutMsg{ID: "ok", To: "group", Markdown: strings.Repeat(line, 12000/len(line))}); err != nil {
		t.Errorf("12000 bytes: %v", err)
	}
}
