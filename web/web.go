package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"xuexibot/report"
	"xuexibot/store"
)

// Config is what New needs.
type Config struct {
	// Source is the registry the dashboard reads (what a report reads).
	// Required.
	Source report.Source
	// Ping checks that the store answers; /readyz calls it. Required.
	Ping func(ctx context.Context) error
	// Connected reports whether the DingTalk stream is connected. Nil when
	// DingTalk is not configured (console, local run): readiness then needs
	// only the store.
	Connected func() bool
	// Metrics serves /metrics; nil answers 404.
	Metrics http.Handler
	// Token guards / and /metrics; "" for none, allowed only on loopback.
	Token string
	// Listen is the address the server listens on (http.listen). It only
	// decides whether a token is required: a non-loopback address needs one.
	// "" means the handler is not served on a network listener (tests).
	Listen string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Location renders the page's times; nil means Asia/Shanghai.
	Location *time.Location
	// Logger receives errors and refused requests; nil discards them.
	Logger *slog.Logger
	// ChangesWindow is how far back the dashboard lists changes; 0 means
	// seven days, the period of the weekly report.
	ChangesWindow time.Duration
}

// How long /readyz waits for the store before calling it unreachable.
const pingTimeout = 2 * time.Second

// New returns the HTTP handler for the dashboard, /healthz, /readyz and
// /metrics. It fails when a required dependency is missing or when Listen
// is not on loopback and no Token is set.
func New(cfg Config) (http.Handler, error) {
	if cfg.Source == nil {
		return nil, errors.New("web: Source is required")
	}
	if cfg.Ping == nil {
		return nil, errors.New("web: Ping is required")
	}
	loopback, err := isLoopback(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("web: http.listen %q: %w", cfg.Listen, err)
	}
	if !loopback && cfg.Token == "" {
		return nil, fmt.Errorf("web: http.listen %q 不是本机回环地址：看板和监控数据会对外开放，必须设置 http.token。\n(http.token is required when http.listen is not a loopback address.)", cfg.Listen)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = store.Shanghai()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ChangesWindow <= 0 {
		cfg.ChangesWindow = 7 * 24 * time.Hour
	}
	s := &server{cfg: cfg, auth: newAuth(cfg.Token, cfg.Logger)}
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	metrics := cfg.Metrics
	if metrics == nil {
		metrics = http.NotFoundHandler()
	}
	mux.Handle("GET /metrics", s.auth.require(metrics))
	mux.Handle("GET /{$}", s.auth.require(http.HandlerFunc(s.dashboard)))
	return secureHeaders(mux), nil
}

type server struct {
	cfg  Config
	auth *auth
	tmpl templates
}

// isLoopback reports whether addr (host:port, or :port) listens only on
// loopback. An empty addr is not a network listener and counts as loopback.
// A host name other than localhost may resolve anywhere and does not count.
func isLoopback(addr string) (bool, error) {
	if addr == "" {
		return true, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	fmt.Fprintln(w, "ok")
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	var reasons []string
	ctx, cancel := context.WithTimeout(r.Context(), pingTimeout)
	defer cancel()
	if err := s.cfg.Ping(ctx); err != nil {
		s.cfg.Logger.Warn("readyz: store unreachable", "err", err)
		reasons = append(reasons, "存储不可用 (store unreachable)")
	}
	if s.cfg.Connected != nil && !s.cfg.Connected() {
		reasons = append(reasons, "钉钉未连接 (DingTalk not connected)")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if len(reasons) > 0 {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, "未就绪 (not ready): %s\n", strings.Join(reasons, "；"))
		return
	}
	fmt.Fprintln(w, "就绪 (ready)")
}

// secureHeaders keeps the page self-contained and out of other sites'
// frames, and keeps proxies from caching it (it may be behind a token).
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}
