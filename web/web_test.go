package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xuexibot/metrics"
	"xuexibot/report"
	"xuexibot/store"
	"xuexibot/store/bolt"
	"xuexibot/store/bolt/bolttest"
	"xuexibot/web"
)

// now is a day after the notice: install is overdue, certify is due in two days.
var now = time.Date(2019, 3, 8, 10, 0, 0, 0, store.Shanghai())

func clock() time.Time { return now }

// seeded opens a bolt store in a temp dir and seeds it from the notice.
func seeded(t *testing.T) *bolt.Store { return seededB(t) }

func seededB(t testing.TB) *bolt.Store {
	t.Helper()
	return bolttest.Seeded(t, bolt.WithNow(clock))
}

func newHandler(t *testing.T, cfg web.Config) http.Handler {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = clock
	}
	h, err := web.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// get serves one request and returns the status and body.
func get(t *testing.T, h http.Handler, target string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	res := rec.Result()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// laggingSection returns the element with id="lagging", up to its end.
func laggingSection(t *testing.T, page string) string {
	t.Helper()
	i := strings.Index(page, `id="lagging"`)
	if i < 0 {
		t.Fatalf("page has no id=\"lagging\":\n%s", page)
	}
	j := strings.Index(page[i:], "</section>")
	if j < 0 {
		t.Fatalf("lagging section is not closed")
	}
	return page[i : i+j]
}

func TestHealthz(t *testing.T) {
	st := seeded(t)
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping, Token: "secret", Listen: "0.0.0.0:8080"})
	res, body := get(t, h, "/healthz")
	if res.StatusCode != http.StatusOK || strings.TrimSpace(body) != "ok" {
		t.Errorf("GET /healthz = %d %q, want 200 ok (no token needed)", res.StatusCode, body)
	}
}

func TestReadyz(t *testing.T) {
	st := seeded(t)
	connected := true
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping, Connected: func() bool { return connected }})

	if res, body := get(t, h, "/readyz"); res.StatusCode != http.StatusOK {
		t.Errorf("ready store and connection: %d %q, want 200", res.StatusCode, body)
	}

	connected = false
	res, body := get(t, h, "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "钉钉未连接") || !strings.Contains(body, "DingTalk not connected") {
		t.Errorf("disconnected: %d %q, want 503 naming DingTalk", res.StatusCode, body)
	}

	connected = true
	st.Close() // a real store that no longer answers
	res, body = get(t, h, "/readyz")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "存储不可用") || !strings.Contains(body, "store unreachable") {
		t.Errorf("closed store: %d %q, want 503 naming the store", res.StatusCode, body)
	}
	if strings.Contains(body, "bolt") {
		t.Errorf("readyz leaks the store's error detail: %q", body)
	}
}

// Without DingTalk configured (Connected nil), readiness needs only the store.
func TestReadyzWithoutDingTalk(t *testing.T) {
	st := seeded(t)
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping})
	if res, body := get(t, h, "/readyz"); res.StatusCode != http.StatusOK {
		t.Errorf("console mode: %d %q, want 200", res.StatusCode, body)
	}
}

func TestMetricsEndpoint(t *testing.T) {
	st := seeded(t)
	m := metrics.New()
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping, Metrics: m.Handler(), Token: "secret", Listen: "10.0.0.5:8080"})

	if res, _ := get(t, h, "/metrics"); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("/metrics without token: %d, want 401", res.StatusCode)
	}
	_, before := get(t, h, "/metrics", "Authorization", "Bearer secret")
	if !strings.Contains(before, "xuexibot_messages_received_total 0") {
		t.Fatalf("fresh metrics lack a zero message count:\n%s", before)
	}
	m.MessageReceived()
	m.CommandHandled("done", "ok")
	m.OutboxDepth(3)
	res, after := get(t, h, "/metrics", "Authorization", "Bearer secret")
	for _, want := range []string{
		"xuexibot_messages_received_total 1",
		`xuexibot_commands_total{name="done",outcome="ok"} 1`,
		"xuexibot_outbox_depth 3",
	} {
		if res.StatusCode != http.StatusOK || !strings.Contains(after, want) {
			t.Errorf("/metrics (%d) lacks %q", res.StatusCode, want)
		}
	}
}

func TestTokenRequiredOffLoopback(t *testing.T) {
	st := seeded(t)
	for _, tc := range []struct {
		listen string
		ok     bool
	}{
		{"127.0.0.1:8080", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"", true}, // not a network listener
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"[::]:8080", false},
		{"10.1.2.3:8080", false},
		{"xuexi.example.edu.cn:8080", false},
	} {
		_, err := web.New(web.Config{Source: st, Ping: st.Ping, Listen: tc.listen})
		if (err == nil) != tc.ok {
			t.Errorf("New(listen %q, no token): err %v, want ok=%v", tc.listen, err, tc.ok)
		}
		if _, err := web.New(web.Config{Source: st, Ping: st.Ping, Listen: tc.listen, Token: "t"}); err != nil {
			t.Errorf("New(listen %q, token): %v", tc.listen, err)
		}
	}
	// The refusal is a complete Chinese sentence; English, for operators,
	// only on a line of its own.
	_, err := web.New(web.Config{Source: st, Ping: st.Ping, Listen: "0.0.0.0:8080"})
	if err == nil {
		t.Fatal("no token off loopback accepted")
	}
	zh, en, _ := strings.Cut(err.Error(), "\n")
	if !strings.Contains(zh, "必须设置 http.token。") || strings.Contains(zh, "required") || !strings.Contains(en, "required") {
		t.Errorf("refusal %q: want a Chinese sentence, then English on its own line", err)
	}
	if _, err := web.New(web.Config{Source: st, Ping: st.Ping, Listen: "8080"}); err == nil {
		t.Error("New accepted a listen address without a port")
	}
	if _, err := web.New(web.Config{Ping: st.Ping}); err == nil {
		t.Error("New accepted a config without Source")
	}
	if _, err := web.New(web.Config{Source: st}); err == nil {
		t.Error("New accepted a config without Ping")
	}
}

func TestToken(t *testing.T) {
	st := seeded(t)
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping, Token: "s3cret", Listen: "0.0.0.0:8080"})

	for _, tc := range []struct {
		name   string
		target string
		hdr    []string
	}{
		{"none", "/", nil},
		{"wrong bearer", "/", []string{"Authorization", "Bearer nope"}},
		{"prefix of the token", "/", []string{"Authorization", "Bearer s3cre"}},
		{"basic auth", "/", []string{"Authorization", "Basic czNjcmV0"}},
		{"wrong query", "/?token=nope", nil},
		{"forged cookie", "/", []string{"Cookie", "xuexibot_token=s3cret"}},
	} {
		res, body := get(t, h, tc.target, tc.hdr...)
		if res.StatusCode != http.StatusUnauthorized || strings.Contains(body, "湖南") {
			t.Errorf("%s: %d, want 401 without data", tc.name, res.StatusCode)
		}
		if !strings.Contains(body, "令牌") {
			t.Errorf("%s: 401 body %q does not explain in Chinese", tc.name, body)
		}
	}

	if res, body := get(t, h, "/", "Authorization", "Bearer s3cret"); res.StatusCode != http.StatusOK || !strings.Contains(body, "湖南警察学院") {
		t.Errorf("right bearer: %d, want 200 with the page", res.StatusCode)
	}

	// ?token= sets a cookie and redirects to the page without the token.
	res, _ := get(t, h, "/?token=s3cret&x=1")
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("query token: %d, want 303", res.StatusCode)
	}
	if loc := res.Header.Get("Location"); strings.Contains(loc, "s3cret") || loc != "/?x=1" {
		t.Errorf("redirect to %q, want /?x=1", loc)
	}
	var cookie *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "xuexibot_token" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || strings.Contains(cookie.Value, "s3cret") {
		t.Fatalf("cookie %+v: want an HttpOnly cookie not holding the token", cookie)
	}
	if res, body := get(t, h, "/", "Cookie", cookie.String()); res.StatusCode != http.StatusOK || !strings.Contains(body, "湖南警察学院") {
		t.Errorf("with the cookie: %d, want 200 with the page", res.StatusCode)
	}
}

func TestDashboard(t *testing.T) {
	st := seeded(t)
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping})
	res, page := get(t, h, "/")
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /: %d\n%s", res.StatusCode, page)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	lag := laggingSection(t, page)
	for _, want := range []string{"湖南警察学院", "湖南交通工程学院", "（31 所）"} {
		if !strings.Contains(lag, want) {
			t.Errorf("lagging section lacks %q:\n%s", want, lag)
		}
	}
	if strings.Contains(lag, "中南大学") {
		t.Errorf("lagging section lists 中南大学, which finished both milestones")
	}
	for _, want := range []string{
		`<meta http-equiv="refresh" content="60">`,
		`<meta name="viewport" content="width=device-width, initial-scale=1">`,
		`lang="zh-CN"`,
		"完成上下级认证", "全部下载安装",
		"93/124 所（75.0%）", // both milestones: 31 of 124 pending
		"已逾期7天", "还有2天",   // install was due 3月1日, certify 3月10日
		"更新时间：<time id=\"updated\">2019年3月8日 10:00:00</time>",
		"本科学校", "高等专科学校", "高等职业学院",
		`style="width:75.0%"`,
		"红榜", "黑榜", "最近变化",
		"暂无数据", // the seed has no 党支部 or 党员 numbers yet
	} {
		if !strings.Contains(page, want) {
			t.Errorf("dashboard lacks %q", want)
		}
	}
	// Nothing may load from elsewhere: closed government networks.
	for _, bad := range []string{"http://", "https://", "<script", "<link", "@import", "url("} {
		if strings.Contains(page, bad) {
			t.Errorf("dashboard contains %q", bad)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") {
		t.Errorf("CSP %q", csp)
	}
}

// Marking a school done in the store takes it off the list at the next load,
// and the change shows among the recent changes.
func TestDashboardFollowsTheStore(t *testing.T) {
	st := seeded(t)
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping})
	res, err := st.Resolve(context.Background(), "湖南警察学院")
	if err != nil || res.Org == nil {
		t.Fatalf("resolve: %v %+v", err, res)
	}
	meta := store.Meta{Actor: store.Actor{ID: "admin1", Nick: "张三"}, Command: "/done 湖南警察学院 认证", At: now}
	for _, ms := range []string{store.MilestoneInstall, store.MilestoneCertify} {
		if _, err := st.Update(context.Background(), res.Org.ID, meta, func(o *store.Org) error {
			if o.Progress == nil {
				o.Progress = map[string]store.Progress{}
			}
			o.Progress[ms] = store.Progress{Done: true, At: now, By: meta.Actor}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	_, page := get(t, h, "/")
	if lag := laggingSection(t, page); strings.Contains(lag, "湖南警察学院") || !strings.Contains(lag, "（30 所）") {
		t.Errorf("after marking it done the lagging list still names 湖南警察学院 or miscounts:\n%s", lag)
	}
	if !strings.Contains(page, "94/124 所") {
		t.Errorf("progress did not move to 94/124")
	}
	i := strings.Index(page, `id="changes"`)
	// The seed's record and the two updates, counted exactly below the cap.
	if i < 0 || !strings.Contains(page[i:], "张三") || !strings.Contains(page[i:], "湖南警察学院") ||
		!strings.Contains(page[i:], "近7天共 3 条</p>") {
		t.Errorf("recent changes do not show the update with its count:\n%s", page[max(i, 0):])
	}
}

// A week with more changes than a summary keeps still reads as the week:
// the newest changes, newest first, and a count that claims no more than
// is known (超过 200 条), since the summary does not read the whole week.
func TestDashboardBusyWeek(t *testing.T) {
	st := seeded(t)
	ctx := context.Background()
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping})
	orgs, err := st.Orgs(ctx, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	// Two imports two days ago change every org twice.
	for i, nick := range []string{"导入甲", "导入乙"} {
		for k := range orgs {
			orgs[k].Branches = 10 * (i + 1)
		}
		meta := store.Meta{Actor: store.Actor{ID: "imp", Nick: nick}, Command: "import", At: now.Add(-48*time.Hour + time.Duration(i)*time.Hour)}
		if err := st.Put(ctx, meta, orgs); err != nil {
			t.Fatal(err)
		}
	}
	res, err := st.Resolve(ctx, "湖南警察学院")
	if err != nil || res.Org == nil {
		t.Fatal(err)
	}
	meta := store.Meta{Actor: store.Actor{ID: "admin1", Nick: "最新的人"}, Command: "/set", At: now.Add(-time.Hour)}
	if _, err := st.Update(ctx, res.Org.ID, meta, func(o *store.Org) error { o.Branches = 99; return nil }); err != nil {
		t.Fatal(err)
	}
	all, err := st.Changes(ctx, now.AddDate(0, 0, -7), 0)
	if err != nil || len(all) <= report.MaxChanges {
		t.Fatalf("%d changes (%v), want more than a summary keeps", len(all), err)
	}
	_, page := get(t, h, "/")
	i := strings.Index(page, `id="changes"`)
	if i < 0 {
		t.Fatal("no changes section")
	}
	sec := page[i:]
	if !strings.Contains(sec, "最近变化（近7天）") || !strings.Contains(sec, fmt.Sprintf("近7天超过 %d 条，以下为最近 20 条", report.MaxChanges)) || strings.Contains(sec, "共 ") {
		t.Errorf("changes section does not say the week holds more than it read:\n%s", sec[:min(len(sec), 600)])
	}
	if !strings.Contains(sec, "最新的人") || strings.Contains(sec, "导入甲") || !strings.Contains(sec, "导入乙") {
		t.Errorf("the list does not hold the newest changes:\n%s", sec[:min(len(sec), 600)])
	}
}

func TestDashboardStoreDown(t *testing.T) {
	st := seeded(t)
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping})
	st.Close()
	res, body := get(t, h, "/")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "数据暂时无法读取") {
		t.Errorf("store down: %d %q, want 503 with a Chinese explanation", res.StatusCode, body)
	}
	if strings.Contains(body, "bolt") || strings.Contains(body, "database") {
		t.Errorf("error page leaks detail: %q", body)
	}
}

func TestOnlyGet(t *testing.T) {
	st := seeded(t)
	h := newHandler(t, web.Config{Source: st, Ping: st.Ping})
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("x"))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /: %d, want 405", rec.Code)
	}
	if res, _ := get(t, h, "/nope"); res.StatusCode != http.StatusNotFound {
		t.Errorf("GET /nope: %d, want 404", res.StatusCode)
	}
}
