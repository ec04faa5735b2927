package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is the whole file. config.example.yaml documents every key.
type Config struct {
	Timezone  string    `yaml:"timezone"`
	Admins    []string  `yaml:"admins"`
	DingTalk  DingTalk  `yaml:"dingtalk"`
	Store     Store     `yaml:"store"`
	Reminders Reminders `yaml:"reminders"`
	HTTP      HTTP      `yaml:"http"`
	Log       Log       `yaml:"log"`
}

// DingTalk holds the app's credentials and where to post.
type DingTalk struct {
	ClientID      string `yaml:"client_id"`     // AppKey
	ClientSecret  string `yaml:"client_secret"` // AppSecret
	RobotCode     string `yaml:"robot_code"`    // defaults to client_id
	GroupID       string `yaml:"group_id"`      // openConversationId of the work group
	APIHost       string `yaml:"api_host"`
	WebhookURL    string `yaml:"webhook_url"`    // optional custom group robot
	WebhookSecret string `yaml:"webhook_secret"` // its 加签 secret (SEC…)
}

// Store chooses the backend.
type Store struct {
	RedisURL string `yaml:"redis_url"` // empty: the embedded store
	Path     string `yaml:"path"`
	Prefix   string `yaml:"prefix"` // Redis key prefix
}

// Reminders are cron specs; "" turns a job off.
type Reminders struct {
	Deadline     string        `yaml:"deadline"`
	Lagging      string        `yaml:"lagging"`
	Report       string        `yaml:"report"`
	Direct       bool          `yaml:"direct"`
	WorkdaysOnly bool          `yaml:"workdays_only"`
	CatchUp      time.Duration `yaml:"catch_up"`
}

// HTTP is the dashboard, health and metrics listener.
type HTTP struct {
	Listen    string `yaml:"listen"` // "" for off
	Token     string `yaml:"token"`
	PublicURL string `yaml:"public_url"`
}

// Log configures log/slog.
type Log struct {
	Level  string `yaml:"level"`  // debug, info, warn, error
	Format string `yaml:"format"` // text or json
}

// Default returns the configuration used when no file is given.
func Default() Config {
	return Config{
		Timezone: "Asia/Shanghai",
		DingTalk: DingTalk{APIHost: "https://api.dingtalk.com"},
		Store:    Store{Path: "xuexibot.db", Prefix: "xuexibot"},
		Reminders: Reminders{
			Deadline:     "0 9 * * *",
			Lagging:      "30 9 * * 1-5",
			Report:       "0 17 * * 5",
			WorkdaysOnly: true,
			CatchUp:      time.Hour,
		},
		HTTP: HTTP{Listen: "127.0.0.1:8080"},
		Log:  Log{Level: "info", Format: "text"},
	}
}

// Load reads path over the defaults. It returns every problem it finds,
// joined; the Config is usable only when the error is nil.
func Load(path string) (Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{}, fmt.Errorf("找不到配置文件 %s（可复制 config.example.yaml 后修改）: %w", path, err)
	}
	if err != nil {
		return Config{}, fmt.Errorf("无法读取配置文件 %s: %w", path, err)
	}
	return Parse(b, os.LookupEnv)
}

var varRe = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// Parse reads YAML over the defaults, expanding ${VAR} with lookup inside
// values only: comments are left alone, and a variable's value cannot
// change the document's structure.
func Parse(b []byte, lookup func(string) (string, bool)) (Config, error) {
	var errs []error
	c := Default()
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return c, fmt.Errorf("配置文件格式错误: %w", err)
	}
	if len(doc.Content) == 0 { // an empty file: the defaults
		return c, errors.Join(c.Validate()...)
	}
	expand(&doc, func(name string) string {
		v, ok := lookup(name)
		if !ok {
			errs = append(errs, fmt.Errorf("环境变量 %s 未设置", name))
		}
		return v
	})
	expanded, err := yaml.Marshal(&doc)
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		errs = append(errs, decodeErrors(err)...)
	}
	errs = append(errs, c.Validate()...)
	return c, errors.Join(errs...)
}

var (
	unknownKeyRe = regexp.MustCompile(`^line (\d+): field (\S+) not found in type config\.(\w+)$`)
	badValueRe   = regexp.MustCompile("^line (\\d+): cannot unmarshal !!\\w+ `(.*)` into (\\S+)$")
)

// kind says in words what a Go type of the Config expects.
func kind(goType string) string {
	switch goType {
	case "time.Duration":
		return "时长，如 1h、30m"
	case "bool":
		return "true 或 false"
	case "int":
		return "整数"
	case "[]string":
		return "列表，如 [\"a\", \"b\"]"
	}
	return "文字"
}

// section names the YAML section of each struct, for messages.
func section(typ string) string {
	switch typ {
	case "DingTalk":
		return "dingtalk"
	case "HTTP":
		return "http"
	}
	return strings.ToLower(typ)
}

// decodeErrors turns yaml's errors into one Chinese line each; an unknown
// key, the common mistake, is named with its line and section.
func decodeErrors(err error) []error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []error{fmt.Errorf("配置文件格式错误: %w", err)}
	}
	out := make([]error, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := unknownKeyRe.FindStringSubmatch(e); m != nil {
			where := "顶层"
			if m[3] != "Config" {
				where = section(m[3]) + " 段"
			}
			out = append(out, fmt.Errorf("第%s行：未知配置项 %s（%s），请对照 config.example.yaml", m[1], m[2], where))
			continue
		}
		if m := badValueRe.FindStringSubmatch(e); m != nil {
			out = append(out, fmt.Errorf("第%s行：值“%s”格式不对，应为%s", m[1], m[2], kind(m[3])))
			continue
		}
		out = append(out, fmt.Errorf("配置值格式不对：%s", e))
	}
	return out
}

// expand replaces ${VAR} in every scalar of n.
func expand(n *yaml.Node, get func(string) string) {
	if n.Kind == yaml.ScalarNode {
		n.Value = varRe.ReplaceAllStringFunc(n.Value, func(m string) string {
			return get(varRe.FindStringSubmatch(m)[1])
		})
	}
	for _, k := range n.Content {
		expand(k, get)
	}
}

// Validate checks what can be checked without the network. Cron specs are
// checked by the scheduler, which owns their parser.
func (c Config) Validate() []error {
	var errs []error
	if _, err := time.LoadLocation(c.Timezone); err != nil {
		errs = append(errs, fmt.Errorf("timezone %q 无效: %w", c.Timezone, err))
	}
	for i, a := range c.Admins {
		if strings.TrimSpace(a) == "" {
			errs = append(errs, fmt.Errorf("admins[%d] 为空", i))
		}
	}
	if err := checkURL(c.DingTalk.APIHost, "http", "https"); err != nil {
		errs = append(errs, fmt.Errorf("dingtalk.api_host: %w", err))
	}
	if c.DingTalk.WebhookURL != "" {
		if err := checkURL(c.DingTalk.WebhookURL, "http", "https"); err != nil {
			errs = append(errs, fmt.Errorf("dingtalk.webhook_url: %w", err))
		}
	}
	if (c.DingTalk.ClientID == "") != (c.DingTalk.ClientSecret == "") {
		errs = append(errs, errors.New("dingtalk.client_id 与 dingtalk.client_secret 须同时填写"))
	}
	if c.Store.RedisURL != "" {
		if err := c.Store.CheckRedisURL(); err != nil {
			errs = append(errs, err)
		}
	} else if c.Store.Path == "" {
		errs = append(errs, errors.New("store.path 为空且未配置 store.redis_url"))
	}
	if c.HTTP.PublicURL != "" {
		if err := checkURL(c.HTTP.PublicURL, "http", "https"); err != nil {
			errs = append(errs, fmt.Errorf("http.public_url: %w", err))
		}
	}
	if c.HTTP.Listen != "" && c.HTTP.Token == "" && !loopback(c.HTTP.Listen) {
		errs = append(errs, fmt.Errorf("http.listen %q 不在本机回环地址上，必须设置 http.token", c.HTTP.Listen))
	}
	if c.Reminders.CatchUp < 0 {
		errs = append(errs, errors.New("reminders.catch_up 不能为负"))
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		errs = append(errs, fmt.Errorf("log.format %q 无效（text 或 json）", c.Log.Format))
	}
	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log.level %q 无效（debug、info、warn、error）", c.Log.Level))
	}
	return errs
}

// Location returns the configured time zone (validated by Load).
func (c Config) Location() *time.Location {
	loc, err := time.LoadLocation(c.Timezone)
	if err != nil {
		return time.FixedZone("CST", 8*3600)
	}
	return loc
}

// CheckRedisURL reports a redis_url that is not a redis://, rediss:// or
// unix:// address, without echoing a password; nil for a usable or empty one.
func (s Store) CheckRedisURL() error {
	if s.RedisURL == "" {
		return nil
	}
	if err := checkURL(s.RedisURL, "redis", "rediss", "unix"); err != nil {
		return fmt.Errorf("store.redis_url: %w", err)
	}
	return nil
}

// Robot is robot_code, defaulting to client_id.
func (d DingTalk) Robot() string {
	if d.RobotCode != "" {
		return d.RobotCode
	}
	return d.ClientID
}

func checkURL(s string, schemes ...string) error {
	u, err := url.Parse(s)
	if err != nil {
		// url.Parse quotes the whole URL, password included: say less.
		return errors.New("地址格式错误，无法解析")
	}
	for _, sc := range schemes {
		if u.Scheme == sc && (u.Host != "" || sc == "unix") {
			return nil
		}
	}
	return fmt.Errorf("%q 不是有效的 %s 地址", u.Redacted(), strings.Join(schemes, "/"))
}

// loopback reports whether a listen address only accepts local connections.
func loopback(listen string) bool {
	host, _, err := net.SplitHostPort(listen)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
