package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"xuexibot/commands"
	"xuexibot/config"
	"xuexibot/metrics"
	"xuexibot/store"
	"xuexibot/store/bolt"
	"xuexibot/store/redis"
	"xuexibot/web"
)

// app is what every subcommand shares: configuration, logger, metrics and
// the opened, seeded backend.
type app struct {
	cfg     config.Config
	log     *slog.Logger
	metrics *metrics.Metrics
	backend store.Backend
	loc     *time.Location
}

// loadConfig reads path, or returns the defaults when path is "".
func loadConfig(path string) (config.Config, error) {
	if path == "" {
		return config.Default(), nil
	}
	return config.Load(path)
}

// newLogger builds the slog logger the configuration asks for. Attributes
// whose key names a secret are redacted, whoever logs them.
func newLogger(c config.Log, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated by config
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redact}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// redact hides the values of attributes that carry secrets.
func redact(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	for _, s := range []string{"secret", "token", "password", "passwd", "access_token"} {
		if strings.Contains(k, s) {
			return slog.String(a.Key, "[REDACTED]")
		}
	}
	return a
}

// openApp loads the configuration, opens the backend it names and seeds
// it from the notice when it is empty.
func openApp(ctx context.Context, configPath string, stderr io.Writer) (*app, error) {
	cfg, err := loadConfig(configPath)
	if err != nil {
		return nil, err
	}
	return openAppWith(ctx, cfg, stderr)
}

// openAppWith is openApp over a configuration already loaded.
func openAppWith(ctx context.Context, cfg config.Config, stderr io.Writer) (*app, error) {
	var err error
	a := &app{cfg: cfg, log: newLogger(cfg.Log, stderr), metrics: metrics.New(), loc: cfg.Location()}
	a.backend, err = openBackend(ctx, cfg.Store, a.log)
	if err != nil {
		return nil, err
	}
	seed, err := store.DefaultSeed()
	if err != nil {
		a.backend.Close()
		return nil, err
	}
	seeded, err := a.backend.Seed(ctx, seed)
	if err != nil {
		a.backend.Close()
		return nil, fmt.Errorf("seed: %w", err)
	}
	if seeded {
		a.log.Info("registry was empty: seeded from the 2019-03-07 notice", "orgs", len(seed.Orgs))
	}
	return a, nil
}

// openBackend opens Redis when a URL is configured, else the embedded store.
func openBackend(ctx context.Context, c config.Store, log *slog.Logger) (store.Backend, error) {
	if c.RedisURL != "" {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return redis.Open(ctx, c.RedisURL, redis.WithPrefix(c.Prefix), redis.WithLogger(log))
	}
	return bolt.Open(c.Path, bolt.WithLogger(log))
}

// router builds the command router over the app's backend.
func (a *app) router(admins []string, sched commands.Scheduler) (*commands.Router, error) {
	dash := ""
	if a.cfg.HTTP.PublicURL != "" {
		dash = a.cfg.HTTP.PublicURL
	}
	return commands.New(commands.Config{
		Registry:     a.backend,
		Admins:       admins,
		Location:     a.loc,
		Scheduler:    sched,
		Metrics:      a.metrics,
		Logger:       a.log,
		DashboardURL: dash,
	})
}

// serveHTTP serves the dashboard, /healthz, /readyz and /metrics on listen
// ("" is off) until the returned stop is called; stop waits a few seconds
// for requests under way. addr is where it listens (listen may say port 0).
// connected is nil when DingTalk is not in use.
func (a *app) serveHTTP(listen string, connected func() bool) (addr string, stop func(), err error) {
	if listen == "" {
		return "", func() {}, nil
	}
	log := a.log.With("component", "web")
	h, err := web.New(web.Config{
		Source: a.backend, Ping: a.backend.Ping, Connected: connected,
		Metrics: a.metrics.Handler(), Token: a.cfg.HTTP.Token, Listen: listen,
		Location: a.loc, Logger: log,
	})
	if err != nil {
		return "", nil, err
	}
	ln, err := net.Listen("tcp", listen)
	if err != nil {
		return "", nil, fmt.Errorf("http.listen: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	log.Info("http listening", "addr", ln.Addr().String())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server stopped", "err", err)
		}
	}()
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("http server did not stop in time", "err", err)
		}
		<-done
	}, nil
}

func (a *app) Close() error { return a.backend.Close() }
