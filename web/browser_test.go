package web_test

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"xuexibot/bot"
	"xuexibot/commands"
	"xuexibot/metrics"
	"xuexibot/web"
)

// chromium finds a Chromium or Chrome binary on PATH.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newRouter is the bot's command router over st, with admin1 as the admin.
func newRouter(t *testing.T, st commands.Registry, m *metrics.Metrics) *commands.Router {
	t.Helper()
	r, err := commands.New(commands.Config{Registry: st, Admins: []string{"admin1"}, Now: clock, Metrics: m})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// say sends text to the bot as admin1 and returns the reply's markdown.
func say(t *testing.T, r *commands.Router, text string) string {
	t.Helper()
	rep := r.Handle(context.Background(), bot.Message{
		ID: "msg-" + text, Conversation: "cid-test", Type: bot.Group,
		Sender: bot.User{ID: "admin1", Nick: "张三"}, Text: text, At: now,
	})
	return rep.Markdown
}

// Commands run through the bot move the counters /metrics serves.
func TestMetricsMoveWhenCommandsRun(t *testing.T) {
	st := seeded(t)
	m := metrics.New()
	r := newRouter(t, st, m)
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping, Metrics: m.Handler()})

	say(t, r, "/done 湖南警察学院 认证")
	say(t, r, "/done 没有这所学校 认证")
	rep := r.Handle(context.Background(), bot.Message{ID: "m3", Sender: bot.User{ID: "stranger"}, Text: "/done 湖南警察学院 安装"})
	if !strings.Contains(rep.Markdown, "管理员") {
		t.Logf("reply to a non-admin: %q", rep.Markdown)
	}

	_, out := get(t, h, "/metrics")
	for _, want := range []string{
		`xuexibot_commands_total{name="done",outcome="ok"} 1`,
		`xuexibot_commands_total{name="done",outcome="user_error"} 1`,
		`xuexibot_commands_total{name="done",outcome="denied"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("/metrics lacks %q after three /done commands", want)
		}
	}
}

// The acceptance test: a browser sees 湖南警察学院 among the lagging
// schools, an admin marks both its milestones done through the bot, and
// after a reload the browser no longer sees it there.
func TestBrowserLaggingClearsAfterDone(t *testing.T) {
	path := chromium()
	if path == "" {
		t.Skip("no Chromium on PATH (looked for chromium, chromium-browser, google-chrome, google-chrome-stable): " +
			"install it with `sudo apt-get install -y chromium` (scripts/test.sh does this) to run the browser test")
	}
	st := seeded(t)
	m := metrics.New()
	r := newRouter(t, st, m)
	// A non-loopback listen address forces the token, so the browser also
	// exercises ?token= -> cookie -> reload.
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping, Metrics: m.Handler(), Token: "tok-123", Listen: "0.0.0.0:8080"})
	srv := httptest.NewServer(h)
	defer srv.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	// The machine may have no network: keep Chromium from reaching out.
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx, chromedp.WithLogf(t.Logf))
	defer cancelBrowser()

	if err := chromedp.Do(bctx,
		chromedp.Navigate(srv.URL+"/?token=tok-123"),
		chromedp.WaitVisible(chromedp.ID("lagging")),
	); err != nil {
		t.Fatalf("open the dashboard: %v", err)
	}
	lagging, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("lagging")))
	if err != nil {
		t.Fatalf("read #lagging: %v", err)
	}
	location, err := chromedp.Run(bctx, chromedp.Location())
	if err != nil {
		t.Fatalf("read the location: %v", err)
	}
	if !strings.Contains(lagging, "湖南警察学院") {
		t.Fatalf("the lagging list does not name 湖南警察学院:\n%s", lagging)
	}
	if strings.Contains(location, "tok-123") {
		t.Errorf("the token stayed in the address bar: %s", location)
	}

	for _, text := range []string{"/done 湖南警察学院 认证", "/done 湖南警察学院 安装"} {
		if rep := say(t, r, text); !strings.Contains(rep, "登记完成") {
			t.Fatalf("%s: reply %q does not confirm", text, rep)
		}
	}

	if err := chromedp.Do(bctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("lagging"))); err != nil {
		t.Fatalf("reload the dashboard (the cookie must carry the token): %v", err)
	}
	if lagging, err = chromedp.Run(bctx, chromedp.Text(chromedp.ID("lagging"))); err != nil {
		t.Fatalf("read #lagging after the reload: %v", err)
	}
	updated, err := chromedp.Run(bctx, chromedp.Text(chromedp.ID("updated")))
	if err != nil {
		t.Fatalf("read #updated: %v", err)
	}
	if strings.Contains(lagging, "湖南警察学院") {
		t.Errorf("after /done the lagging list still names 湖南警察学院:\n%s", lagging)
	}
	if !strings.Contains(lagging, "湖南交通工程学院") {
		t.Errorf("the lagging list lost the other schools:\n%s", lagging)
	}
	if updated == "" {
		t.Errorf("the page shows no update time")
	}

	_, out := get(t, h, "/metrics", "Authorization", "Bearer tok-123")
	if want := `xuexibot_commands_total{name="done",outcome="ok"} 2`; !strings.Contains(out, want) {
		t.Errorf("/metrics lacks %q", want)
	}
}
