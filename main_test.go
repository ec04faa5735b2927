package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"xuexibot/bot/dingtalk"
	"xuexibot/remind"
)

// writeConfig writes a config file that keeps the embedded store in dir.
func writeConfig(t *testing.T, dir, extra string) string {
	t.Helper()
	path := filepath.Join(dir, "config.yaml")
	body := "store:\n  path: " + filepath.Join(dir, "xuexibot.db") + "\nhttp:\n  listen: \"\"\nlog:\n  level: warn\n" + extra
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// console runs `xuexibot console` with input lines and returns what it printed.
func consoleSession(t *testing.T, cfg string, input string, flags ...string) string {
	t.Helper()
	var out, errOut bytes.Buffer
	args := append([]string{"console", "-config", cfg}, flags...)
	if err := run(context.Background(), args, strings.NewReader(input), &out, &errOut); err != nil {
		t.Fatalf("console %v: %v\nstderr: %s", flags, err, errOut.String())
	}
	return out.String()
}

func mustContain(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: missing %q in:\n%s", what, w, got)
		}
	}
}

// lagCount reads the total of a /lagging reply: （N 所） in its heading.
func lagCount(t *testing.T, reply string) string {
	t.Helper()
	m := regexp.MustCompile(`（(\d+) 所）`).FindStringSubmatch(reply)
	if m == nil {
		t.Fatalf("no count in /lagging reply:\n%s", reply)
	}
	return m[1]
}

// TestConsoleAcceptance walks issue 3's acceptance through run, as a new
// user would, each step a fresh process over the same embedded store.
func TestConsoleAcceptance(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "admins: [\"admin1\"]\n")

	status := consoleSession(t, cfg, "/status 湖南警察学院\n")
	mustContain(t, "/status", status, "湖南警察学院", "本科", "完成上下级认证", "未完成")

	lag := consoleSession(t, cfg, "/lagging\n")
	mustContain(t, "/lagging", lag, "（31 所）", "本科学校（3 所）", "高等专科学校（1 所）", "高等职业学院（27 所）", "湖南警察学院")

	mustContain(t, "/summary", consoleSession(t, cfg, "/summary\n"), "完成上下级认证", "红榜", "黑榜")

	// A non-admin's attempt changes nothing.
	denied := consoleSession(t, cfg, "/done 湖南警察学院 certify\n", "-user", "user9", "-nick", "路人")
	mustContain(t, "non-admin /done", denied, "管理员")
	if got := lagCount(t, consoleSession(t, cfg, "/lagging certify\n")); got != "31" {
		t.Fatalf("after a refused /done, /lagging certify shows %s, want 31", got)
	}

	// An admin's /done moves the count and shows in /history with who did it.
	consoleSession(t, cfg, "/done 湖南警察学院 certify\n", "-user", "admin1", "-nick", "张老师")
	if got := lagCount(t, consoleSession(t, cfg, "/lagging certify\n")); got != "30" {
		t.Fatalf("after /done, /lagging certify shows %s, want 30", got)
	}
	hist := consoleSession(t, cfg, "/history 湖南警察学院\n")
	mustContain(t, "/history", hist, "张老师", "admin1", "完成上下级认证", "已完成", "路人")

	// The default console user is an admin.
	mustContain(t, "console admin", consoleSession(t, cfg, "/undo 湖南警察学院 认证\n"), "湖南警察学院")
	if got := lagCount(t, consoleSession(t, cfg, "/lagging certify\n")); got != "31" {
		t.Fatalf("after /undo, /lagging certify shows %s, want 31", got)
	}
}

func TestUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, args := range [][]string{nil, {"frobnicate"}, {"import"}, {"console", "-nosuchflag"}} {
		err := run(context.Background(), args, strings.NewReader(""), &out, &errOut)
		if !errors.Is(err, errUsage) {
			t.Errorf("run %v = %v, want a usage error", args, err)
		}
	}
	out.Reset()
	if err := run(context.Background(), []string{"help"}, nil, &out, &errOut); err != nil || !strings.Contains(out.String(), "xuexibot console") {
		t.Errorf("help: %v %q", err, out.String())
	}
}

func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	good := writeConfig(t, dir, "")
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"check-config", "-config", good}, nil, &out, &errOut); err != nil {
		t.Fatalf("good config: %v\n%s", err, out.String())
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("timezone: Nowhere/City\nreminders:\n  lagging: \"61 * * * *\"\n  report: \"@weekly\"\nstore:\n  redis_url: redis://127.0.0.1:1/0\nbogus: 1\n"), 0o600)
	out.Reset()
	err := run(context.Background(), []string{"check-config", "-config", bad}, nil, &out, &errOut)
	if err == nil {
		t.Fatal("bad config passed")
	}
	mustContain(t, "check-config", out.String(), "Nowhere/City", "reminders.lagging", "store.redis_url", "bogus")
	if strings.Contains(out.String(), "reminders.report") {
		t.Errorf("a valid descriptor was reported:\n%s", out.String())
	}
}

// TestImportExport: export round-trips, and a file with bad rows changes nothing.
func TestImportExport(t *testing.T) {
	dir := t.TempDir()
	cfg := writeConfig(t, dir, "")
	var out, errOut bytes.Buffer
	csv := filepath.Join(dir, "schools.csv")
	if err := run(context.Background(), []string{"export", "-config", cfg, csv}, nil, &out, &errOut); err != nil {
		t.Fatalf("export: %v %s", err, errOut.String())
	}
	mustContain(t, "export", out.String(), "124")
	out.Reset()
	if err := run(context.Background(), []string{"import", "-config", cfg, csv}, nil, &out, &errOut); err != nil {
		t.Fatalf("re-import: %v %s", err, errOut.String())
	}
	mustContain(t, "re-import", out.String(), "0 所")

	b, _ := os.ReadFile(csv)
	lines := strings.Split(string(b), "\r\n")
	lines[2] = strings.Replace(lines[2], ",0,", ",-5,", 1) // a negative number
	lines[5] = strings.Replace(lines[5], lines[5][:strings.Index(lines[5], ",")], "9999", 1)
	badPath := filepath.Join(dir, "bad.csv")
	os.WriteFile(badPath, []byte(strings.Join(lines, "\r\n")), 0o600)
	errOut.Reset()
	if err := run(context.Background(), []string{"import", "-config", cfg, badPath}, nil, &out, &errOut); err == nil {
		t.Fatal("a file with bad rows imported")
	}
	mustContain(t, "bad import", errOut.String(), "没有写入", "第3行", "第6行")
	out.Reset()
	run(context.Background(), []string{"export", "-config", cfg, filepath.Join(dir, "again.csv")}, nil, &out, &errOut)
	again, _ := os.ReadFile(filepath.Join(dir, "again.csv"))
	if !bytes.Equal(b, again) {
		t.Error("the registry changed after a refused import")
	}
}

// run hands the DingTalk client's throttling errors to the reminder sender,
// which waits as long as they say only if they can tell it.
var (
	_ remind.RetryDelayer   = (*dingtalk.ThrottledError)(nil)
	_ remind.PermanentError = (*dingtalk.APIError)(nil)
)

// TestConsoleServesDashboard: with -http the console also serves the
// dashboard over the same store, and a command typed in the console shows
// on the next page load; the server stops with the console.
func TestConsoleServesDashboard(t *testing.T) {
	cfg := writeConfig(t, t.TempDir(), "")
	in, feed := io.Pipe()
	var out, errOut syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(context.Background(), []string{"console", "-config", cfg, "-http", "127.0.0.1:0"}, in, &out, &errOut)
	}()
	var base string
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := regexp.MustCompile(`进度看板：(http://\S+/)`).FindStringSubmatch(errOut.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		t.Fatalf("no dashboard address printed; stderr: %s", errOut.String())
	}
	lagging := func() string {
		t.Helper()
		resp, err := http.Get(base)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		page := string(b)
		i := strings.Index(page, `id="lagging"`)
		if resp.StatusCode != 200 || i < 0 {
			t.Fatalf("GET / = %d without id=\"lagging\"", resp.StatusCode)
		}
		section := page[i:]
		if j := strings.Index(section, "</section>"); j >= 0 {
			section = section[:j]
		}
		return section
	}
	if !strings.Contains(lagging(), "湖南警察学院") {
		t.Fatal("湖南警察学院 is not in the lagging list at start")
	}
	fmt.Fprintln(feed, "/done 湖南警察学院 认证")
	fmt.Fprintln(feed, "/done 湖南警察学院 安装")
	for deadline := time.Now().Add(10 * time.Second); strings.Count(out.String(), "已为 湖南警察学院 登记完成") < 2; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("console did not answer: %s", out.String())
		}
	}
	if strings.Contains(lagging(), "湖南警察学院") {
		t.Error("湖南警察学院 is still lagging on the dashboard after both /done")
	}
	feed.Close()
	if err := <-done; err != nil {
		t.Fatalf("console: %v", err)
	}
	if _, err := http.Get(base + "healthz"); err == nil {
		t.Error("the dashboard still answers after the console ended")
	}
}
