package commands

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"xuexibot/bot"
	"xuexibot/store"
)

// MaxInput is the longest message, in characters, the router reads.
const MaxInput = 500

// DefaultStoreTimeout bounds each registry call, so a store that does not
// answer gets a reply in seconds rather than a silent bot.
const DefaultStoreTimeout = 5 * time.Second

// Handler runs one command. An error is rendered for people in one place
// (Router.fail): a *store.Error's Message is shown, anything else is logged
// and shown as an internal error. Handlers must be safe for concurrent use.
type Handler interface {
	Serve(ctx context.Context, req *Request) (bot.Reply, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, req *Request) (bot.Reply, error)

// Serve calls f.
func (f HandlerFunc) Serve(ctx context.Context, req *Request) (bot.Reply, error) { return f(ctx, req) }

// Command is one registered command.
type Command struct {
	Name    string   // English, lowercase: status
	Aliases []string // other names, Chinese first: 状态, 进度
	Help    string   // one line for /help
	Usage   string   // e.g. /status 学校名称
	Example string   // optional, e.g. /status 湖南警察学院
	// MinArgs is how many words the command needs; fewer shows Usage.
	MinArgs int
	// Admin: only admins may run it. AdminArgs: only admins may run it
	// with arguments (/deadline lists for everyone, moves for admins).
	Admin, AdminArgs bool
	// OrgArg says the first words name an org, so a refusal can be
	// recorded against it.
	OrgArg  bool
	Handler Handler
}

// needsAdmin reports whether running c with args needs an admin.
func (c *Command) needsAdmin(args []string) bool {
	return c.Admin || (c.AdminArgs && len(args) > 0)
}

// Request is one command invocation.
type Request struct {
	Message bot.Message
	Command *Command
	Args    []string
	Admin   bool      // the sender is an admin
	Now     time.Time // when the router received it
	// Implicit is set when the command was inferred from a message without
	// a slash (a school name, or a question about 进度).
	Implicit bool
	// Slash is set when the message named the command with a slash, so the
	// words after it are meant as its arguments rather than chat.
	Slash bool

	target *store.Org // the org the command is about, once known
}

// About records the org a request is about, so that refused bad input from
// an admin command is recorded against it.
func (r *Request) About(o store.Org) { r.target = &o }

// Actor is the sender as the audit trail names them.
func (r *Request) Actor() store.Actor {
	return store.Actor{ID: r.Message.Sender.ID, Nick: r.Message.Sender.Nick}
}

// Meta is the audit metadata for a change made by this request.
func (r *Request) Meta() store.Meta {
	return store.Meta{Actor: r.Actor(), Command: r.Message.Text, At: r.Now}
}

// Metrics counts what the router does; nil means no metrics.
type Metrics interface {
	CommandHandled(name, outcome string) // outcome: ok, user_error, denied, internal
	StoreError(op string)
}

// Scheduler runs the reminder jobs; /remind and /schedule use it.
type Scheduler interface {
	JobNames() []string
	Spec(job string) string    // "" = off
	Next(job string) time.Time // zero when off
	RunJob(ctx context.Context, job string) error
}

// Config is what a Router needs.
type Config struct {
	Registry Registry // required
	// Admins are the DingTalk staffIds that may change data.
	Admins   []string
	Now      func() time.Time // nil: time.Now
	Location *time.Location   // nil: Asia/Shanghai
	// Scheduler runs the reminders; nil where none runs (the console):
	// /remind and /schedule then say that reminders run in xuexibot run.
	Scheduler Scheduler
	Metrics   Metrics
	Logger    *slog.Logger
	// DashboardURL, when set, is linked from /summary.
	DashboardURL string
	// StoreTimeout bounds each registry call; 0 means DefaultStoreTimeout.
	StoreTimeout time.Duration
	// SummaryWindow is how far back /summary lists changes; 0 means 7 days.
	SummaryWindow time.Duration
}

// Router reads messages, picks the command and renders its reply. It
// implements bot.Handler and is safe for concurrent use once built.
type Router struct {
	cmds   []*Command
	byName map[string]*Command
	admins map[string]bool
	reg    Registry
	now    func() time.Time
	loc    *time.Location
	sched  Scheduler
	met    Metrics
	log    *slog.Logger
	dash   string
	window time.Duration
}

// New builds a Router with every command registered. It fails when the
// configuration is incomplete or two commands claim one name.
func New(cfg Config) (*Router, error) {
	if cfg.Registry == nil {
		return nil, errors.New("commands: no registry")
	}
	r := &Router{
		byName: map[string]*Command{},
		admins: map[string]bool{},
		now:    cfg.Now,
		loc:    cfg.Location,
		sched:  cfg.Scheduler,
		met:    cfg.Metrics,
		log:    cfg.Logger,
		dash:   cfg.DashboardURL,
		window: cfg.SummaryWindow,
	}
	timeout := cfg.StoreTimeout
	if timeout <= 0 {
		timeout = DefaultStoreTimeout
	}
	r.reg = timed{r: cfg.Registry, timeout: timeout}
	if r.now == nil {
		r.now = time.Now
	}
	if r.loc == nil {
		r.loc = store.Shanghai()
	}
	if r.log == nil {
		r.log = slog.New(slog.DiscardHandler)
	}
	if r.window <= 0 {
		r.window = 7 * 24 * time.Hour
	}
	for _, a := range cfg.Admins {
		if a = strings.TrimSpace(a); a != "" {
			r.admins[a] = true
		}
	}
	for _, c := range r.builtins() {
		if err := r.Register(c); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Register adds a command. It fails when the name or an alias is empty or
// taken, so a clash stops start-up instead of shadowing a command. Call it
// before the Router handles messages: registration is not synchronised.
func (r *Router) Register(c Command) error {
	if c.Handler == nil {
		return fmt.Errorf("commands: register %q: no handler", c.Name)
	}
	keys := append([]string{c.Name}, c.Aliases...)
	for i, k := range keys {
		k = lowerASCII(strings.TrimSpace(k))
		if k == "" || strings.ContainsFunc(k, isSpace) {
			return fmt.Errorf("commands: register %q: bad name %q", c.Name, keys[i])
		}
		if other, ok := r.byName[k]; ok {
			return fmt.Errorf("commands: register %q: name %q already used by %q", c.Name, k, other.Name)
		}
		if slices.Contains(keys[:i], k) {
			return fmt.Errorf("commands: register %q: name %q given twice", c.Name, k)
		}
		keys[i] = k
	}
	cmd := c
	for _, k := range keys {
		r.byName[k] = &cmd
	}
	r.cmds = append(r.cmds, &cmd)
	return nil
}

// Commands lists the registered commands in registration order.
func (r *Router) Commands() []Command {
	out := make([]Command, len(r.cmds))
	for i, c := range r.cmds {
		out[i] = *c
	}
	return out
}

// IsAdmin reports whether the staffId may change data. "" never may.
func (r *Router) IsAdmin(id string) bool { return id != "" && r.admins[id] }

// Handle answers one message. It never panics: a handler's panic becomes an
// internal-error reply and a logged stack.
func (r *Router) Handle(ctx context.Context, m bot.Message) (reply bot.Reply) {
	req := &Request{Message: m, Admin: r.IsAdmin(m.Sender.ID), Now: r.now()}
	defer func() {
		if p := recover(); p != nil {
			r.log.Error("command panicked", "command", req.name(), "msg", m.ID, "panic", p, "stack", string(debug.Stack()))
			r.count(req.name(), "internal")
			reply = bot.Reply{Markdown: store.ErrorMessage(errors.New("panic"))}
		}
	}()
	reply, err := r.route(ctx, req)
	if err != nil {
		return r.fail(ctx, req, err)
	}
	r.count(req.name(), "ok")
	return reply
}

func (req *Request) name() string {
	if req.Command == nil {
		return "none"
	}
	return req.Command.Name
}

// route picks the command for a message and runs it.
func (r *Router) route(ctx context.Context, req *Request) (bot.Reply, error) {
	text := strings.TrimSpace(req.Message.Text)
	if text == "" {
		return bot.Reply{}, userErr("我只能读文字消息。发送 /帮助 查看可用命令。")
	}
	if n := utf8.RuneCountInString(text); n > MaxInput {
		return bot.Reply{}, userErr("消息太长（%d 字），请不要超过 %d 字。", n, MaxInput)
	}
	in := Parse(text)
	req.Slash = in.Slash
	switch {
	case in.Slash && in.Name == "":
		req.Command = r.byName["help"]
	case in.Slash:
		c, args := r.lookup(in.Name, in.Args)
		if c == nil {
			return bot.Reply{}, r.unknown(in.Name)
		}
		req.Command, req.Args = c, args
	case len(in.Args) == 0:
		req.Command = r.byName["help"]
	default:
		// A command's name as the first word works without the slash too,
		// but a bare 进度 asks about overall progress, not one school.
		if c := r.byName[lowerASCII(in.Args[0])]; c != nil && len(in.Args)-1 >= c.MinArgs {
			req.Command, req.Args = c, in.Args[1:]
			break
		}
		c, args, err := r.infer(ctx, in.Args)
		if err != nil {
			return bot.Reply{}, err
		}
		req.Command, req.Args, req.Implicit = c, args, true
	}
	c := req.Command
	if c.needsAdmin(req.Args) && !req.Admin {
		return bot.Reply{}, r.deny(ctx, req)
	}
	if len(req.Args) < c.MinArgs {
		return bot.Reply{}, usage(c, "缺少参数。")
	}
	reply, err := c.Handler.Serve(ctx, req)
	if err == nil && reply.Title == "" {
		reply.Title = "xuexibot"
	}
	return reply, err
}

// lookup finds a command by name. A Chinese name typed without a space
// before its argument (/状态湖南警察学院, /status湖南警察学院) is split
// off the longest name it starts with.
func (r *Router) lookup(name string, args []string) (*Command, []string) {
	if c := r.byName[name]; c != nil {
		return c, args
	}
	best := ""
	for k := range r.byName {
		rest, ok := strings.CutPrefix(name, k)
		if ok && len(k) > len(best) && (!isASCII(k) || !isASCII(rest[:min(len(rest), 1)])) {
			best = k
		}
	}
	if best == "" {
		return nil, nil
	}
	return r.byName[best], append([]string{name[len(best):]}, args...)
}

// Words a question about overall progress uses; a message holding one and
// naming no school is read as /summary.
var summaryWords = []string{"进度", "情况", "汇总", "统计", "通报", "整体", "总体"}

// Endings people add to a school's name when asking about it.
var questionEnds = []string{"?", "。", "!", "吗", "呢", "了", "怎么样", "如何", "的进度", "进度", "的情况", "情况", "完成没有", "完成了没", "完成", "查询", "查一下"}

// infer reads a message without a slash: a school's name (perhaps with a
// question around it) is /status; a question about progress is /summary.
func (r *Router) infer(ctx context.Context, words []string) (*Command, []string, error) {
	text := strings.Join(words, " ")
	q := trimQuestion(text)
	if q != "" {
		res, err := r.reg.Resolve(ctx, q)
		if err != nil {
			return nil, nil, err
		}
		if res.Org != nil || len(res.Matches) > 0 {
			return r.byName["status"], []string{q}, nil
		}
	}
	for _, w := range summaryWords {
		if strings.Contains(text, w) {
			return r.byName["summary"], nil, nil
		}
	}
	if q == "" {
		q = text
	}
	return r.byName["status"], []string{q}, nil
}

func trimQuestion(s string) string {
	for {
		before := s
		s = strings.TrimSpace(s)
		for _, e := range questionEnds {
			s = strings.TrimSuffix(s, e)
		}
		for _, p := range []string{"查询", "查一下", "看看"} {
			s = strings.TrimPrefix(s, p)
		}
		if s == before {
			return s
		}
	}
}

// unknown answers a command name nobody registered.
func (r *Router) unknown(name string) error {
	if near := r.nearest(name); near != "" {
		return store.Errorf(store.ENotFound, "没有命令 /%s。你是不是想输入 /%s？发送 /帮助 查看全部命令。", name, near)
	}
	return store.Errorf(store.ENotFound, "没有命令 /%s。发送 /帮助 查看全部命令。", name)
}

// nearest returns the registered name or alias closest to name, if any
// is close enough to be a likely typo.
func (r *Router) nearest(name string) string {
	best, bestD := "", 1<<30
	for _, c := range r.cmds {
		for _, k := range append([]string{c.Name}, c.Aliases...) {
			if d := distance(name, lowerASCII(k)); d < bestD {
				best, bestD = k, d
			}
		}
	}
	n := utf8.RuneCountInString(name)
	if bestD <= max(1, n/2) && bestD < n {
		return best
	}
	return ""
}

// deny refuses a non-admin politely and records the attempt.
func (r *Router) deny(ctx context.Context, req *Request) error {
	c := req.Command
	ch := store.Change{
		At: req.Now, Actor: req.Actor(), Command: req.Message.Text,
		Refused: true, Reason: "无权限：不是管理员",
	}
	if c.OrgArg && len(req.Args) > 0 {
		// Best effort: name the org so its history shows the attempt.
		if res, err := r.reg.Resolve(ctx, req.Args[0]); err == nil && res.Org != nil {
			ch.OrgID, ch.OrgName = res.Org.ID, res.Org.Name
		}
	}
	r.refuse(ctx, ch)
	msg := "抱歉，/" + c.Name + " 只有管理员可以使用，数据没有改动。如需修改，请联系管理员（发送 /admins 查看）。"
	if req.Message.Sender.ID == "" {
		msg = "抱歉，无法识别你的钉钉账号（外部成员不能修改数据），数据没有改动。"
	}
	return store.Errorf(store.EForbidden, "%s", msg)
}

// refuse records a refused attempt; a failure is logged, not shown, since
// the refusal itself stands.
func (r *Router) refuse(ctx context.Context, ch store.Change) {
	if err := r.reg.Refuse(ctx, ch); err != nil {
		r.log.Error("record refusal", "err", err)
		r.storeFailed(err)
	}
}

// fail is the one place where errors become replies: people read a
// *store.Error's message; everything else is logged and shown generically.
func (r *Router) fail(ctx context.Context, req *Request, err error) bot.Reply {
	code := store.ErrorCode(err)
	var se *storeError
	switch {
	case errors.As(err, &se):
		r.log.Error("store failed", "command", req.name(), "op", se.Op, "err", se.Err)
		r.storeFailed(err)
		r.count(req.name(), "internal")
		return bot.Reply{Title: "xuexibot", Markdown: unavailable}
	case code == store.EInternal || code == store.EUnavailable:
		r.log.Error("command failed", "command", req.name(), "err", err)
		r.count(req.name(), "internal")
		return bot.Reply{Title: "xuexibot", Markdown: store.ErrorMessage(err)}
	case code == store.EForbidden:
		r.count(req.name(), "denied")
	default:
		r.count(req.name(), "user_error")
		// Bad input to an admin command is recorded, against its org when
		// known, so the org's history (or else the general trail, /history
		// alone) shows what was tried and why it was refused.
		if c := req.Command; c != nil && c.needsAdmin(req.Args) {
			ch := store.Change{
				At: req.Now, Actor: req.Actor(), Command: req.Message.Text,
				Refused: true, Reason: store.ErrorMessage(err),
			}
			if req.target != nil {
				ch.OrgID, ch.OrgName = req.target.ID, req.target.Name
			}
			r.refuse(ctx, ch)
		}
	}
	return bot.Reply{Title: "xuexibot", Markdown: store.ErrorMessage(err)}
}

func (r *Router) storeFailed(err error) {
	var se *storeError
	if r.met != nil && errors.As(err, &se) {
		r.met.StoreError(se.Op)
	}
}

func (r *Router) count(name, outcome string) {
	if r.met != nil {
		r.met.CommandHandled(name, outcome)
	}
}

// usage is the error for a command used wrongly: why, then how.
func usage(c *Command, why string) error {
	msg := why + "用法：" + c.Usage
	if c.Example != "" {
		msg += "，例如 " + c.Example
	}
	return store.Errorf(store.EInvalid, "%s", msg)
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u3000' }

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// distance is the Levenshtein distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
