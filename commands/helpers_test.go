package commands

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"xuexibot/bot"
	"xuexibot/store"
	"xuexibot/store/bolt"
	"xuexibot/store/bolt/bolttest"
)

// The acceptance numbers of the notice's seed.
const (
	admin    = "admin1"
	notAdmin = "user9"
)

// testNow is the day after the notice: install is 7 days overdue,
// certify due in 2 days.
var testNow = time.Date(2019, 3, 8, 10, 0, 0, 0, store.Shanghai())

type metricsRec struct {
	mu       sync.Mutex
	outcomes []string // name/outcome
	storeOps []string
}

func (m *metricsRec) CommandHandled(name, outcome string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.outcomes = append(m.outcomes, name+"/"+outcome)
}

func (m *metricsRec) StoreError(op string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.storeOps = append(m.storeOps, op)
}

func (m *metricsRec) last() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	if len(m.outcomes) == 0 {
		return ""
	}
	return m.outcomes[len(m.outcomes)-1]
}

// env is a Router over a seeded bolt store in a temporary folder.
type env struct {
	t      *testing.T
	r      *Router
	st     *bolt.Store
	met    *metricsRec
	logBuf *bytes.Buffer
	n      int
}

func newEnv(t *testing.T, mod ...func(*Config)) *env {
	t.Helper()
	st := bolttest.Seeded(t, bolt.WithNow(func() time.Time { return testNow }))
	e := &env{t: t, st: st, met: &metricsRec{}, logBuf: &bytes.Buffer{}}
	cfg := Config{
		Registry: st,
		Admins:   []string{admin, " "},
		Now:      func() time.Time { return testNow },
		Metrics:  e.met,
		Logger:   slog.New(slog.NewTextHandler(e.logBuf, nil)),
	}
	for _, f := range mod {
		f(&cfg)
	}
	var err error
	e.r, err = New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// say sends text from a sender and returns the reply's markdown.
func (e *env) say(from, text string) string {
	e.t.Helper()
	return e.reply(from, text).Markdown
}

func (e *env) reply(from, text string) bot.Reply {
	e.t.Helper()
	e.n++
	nick := map[string]string{admin: "王管理", notAdmin: "路人甲"}[from]
	return e.r.Handle(context.Background(), bot.Message{
		ID: "m" + string(rune('a'+e.n%26)), Conversation: "cid", Type: bot.Group,
		Sender: bot.User{ID: from, Nick: nick}, Text: text, At: testNow,
	})
}

func (e *env) pending(ms string) int {
	e.t.Helper()
	n, err := e.st.Count(context.Background(), store.IndexPending(ms))
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) org(name string) store.Org {
	e.t.Helper()
	res, err := e.st.Resolve(context.Background(), name)
	if err != nil || res.Org == nil {
		e.t.Fatalf("resolve %s: %v %+v", name, err, res)
	}
	return *res.Org
}

func (e *env) history(name string) []store.Change {
	e.t.Helper()
	chs, _, err := e.st.History(context.Background(), e.org(name).ID, "", 50)
	if err != nil {
		e.t.Fatal(err)
	}
	return chs
}

// check asserts that got holds every want and none of not.
func check(t *testing.T, label, got string, want, not []string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(got, w) {
			t.Errorf("%s: reply lacks %q:\n%s", label, w, got)
		}
	}
	for _, w := range not {
		if strings.Contains(got, w) {
			t.Errorf("%s: reply has %q:\n%s", label, w, got)
		}
	}
}

// noTablesOrCode asserts the markdown stays within DingTalk's subset.
func noTablesOrCode(t *testing.T, label, md string) {
	t.Helper()
	if strings.Contains(md, "```") {
		t.Errorf("%s: code block in reply", label)
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "|") {
			t.Errorf("%s: table row in reply: %q", label, line)
		}
	}
}

// tcase is one message and what its reply must (not) say.
type tcase struct {
	name    string
	from    string
	text    string
	want    []string
	not     []string
	outcome string // name/outcome counted, "" to skip
}

func (e *env) run(tests []tcase) {
	e.t.Helper()
	for _, tt := range tests {
		got := e.say(tt.from, tt.text)
		check(e.t, tt.name, got, tt.want, tt.not)
		noTablesOrCode(e.t, tt.name, got)
		if tt.outcome != "" {
			if last := e.met.last(); last != tt.outcome {
				e.t.Errorf("%s: outcome %q, want %q", tt.name, last, tt.outcome)
			}
		}
	}
}
