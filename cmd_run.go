package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"xuexibot/bot"
	"xuexibot/bot/dingtalk"
	"xuexibot/calendar"
	"xuexibot/remind"
)

// shutdownGrace bounds how long SIGTERM waits for in-flight replies and the
// outbox flush; a post already under way may add its own lease-bounded time.
// systemd's default stop timeout is 90 s.
const shutdownGrace = 20 * time.Second

// runBot: xuexibot run -config FILE. It serves the work group until ctx is
// cancelled (SIGTERM), then stops taking messages, finishes what it acked,
// flushes the outbox and returns nil.
func runBot(ctx context.Context, args []string, stderr io.Writer) error {
	fs := newFlags("run", stderr)
	configPath := fs.String("config", "config.yaml", "配置文件")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	a, err := openApp(ctx, *configPath, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	cfg := a.cfg
	if cfg.DingTalk.ClientID == "" {
		return errors.New("dingtalk.client_id 未配置；不连接钉钉试用请运行 xuexibot console")
	}
	log := a.log

	dtCfg := dingtalk.Config{
		ClientID: cfg.DingTalk.ClientID, ClientSecret: cfg.DingTalk.ClientSecret,
		RobotCode: cfg.DingTalk.RobotCode, GroupID: cfg.DingTalk.GroupID, APIHost: cfg.DingTalk.APIHost,
		WebhookURL: cfg.DingTalk.WebhookURL, WebhookSecret: cfg.DingTalk.WebhookSecret,
		Admins: cfg.Admins,
	}
	dtOpts := dingtalk.Options{Logger: log.With("component", "dingtalk"), Metrics: a.metrics}
	client, err := dingtalk.NewClient(dtCfg, dtOpts)
	if err != nil {
		return err
	}

	cal, err := calendar.Default()
	if err != nil {
		return err
	}
	sender, err := remind.NewSender(remind.SenderConfig{
		Outbox: a.backend, Poster: client, Logger: log.With("component", "sender"), Metrics: a.metrics,
	})
	if err != nil {
		return err
	}
	sched, err := remind.New(remind.Config{
		Deadline: cfg.Reminders.Deadline, Lagging: cfg.Reminders.Lagging, Report: cfg.Reminders.Report,
		Direct: cfg.Reminders.Direct, WorkdaysOnly: cfg.Reminders.WorkdaysOnly, CatchUp: cfg.Reminders.CatchUp,
		Location: a.loc, Calendar: cal,
		Registry: a.backend, Claims: a.backend, Outbox: a.backend, Notify: sender.Wake,
		DashboardURL: cfg.HTTP.PublicURL,
		Logger:       log.With("component", "remind"), Metrics: a.metrics,
	})
	if err != nil {
		return err
	}
	router, err := a.router(cfg.Admins, sched)
	if err != nil {
		return err
	}
	// A msgId is answered once: across replicas through Redis (SET NX); on
	// the embedded store, which only one process can open, in memory, so a
	// message does not wait for a disk commit. Reminder ticks keep the
	// store's durable claims either way.
	var msgClaims bot.Claimer = a.backend
	if cfg.Store.RedisURL == "" {
		msgClaims = bot.NewMemoryClaims()
	}
	disp := bot.NewDispatcher(router, msgClaims, bot.Options{Metrics: a.metrics, Logger: log.With("component", "dispatch")})
	stream, err := dingtalk.NewStream(dtCfg, client, disp, dtOpts)
	if err != nil {
		return err
	}

	_, stopHTTP, err := a.serveHTTP(cfg.HTTP.Listen, stream.Connected)
	if err != nil {
		return err
	}

	// The stream and the scheduler run until ctx ends. The sender gets its
	// own context so it can flush what they queued after both have stopped.
	sendCtx, stopSender := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSender()
	senderDone := make(chan struct{})
	go func() { defer close(senderDone); logStop(log, "sender", sender.Run(sendCtx)) }()
	schedDone := make(chan struct{})
	go func() { defer close(schedDone); logStop(log, "scheduler", sched.Run(ctx)) }()
	log.Info("xuexibot running", "group", cfg.DingTalk.GroupID != "", "store", storeKind(cfg.Store.RedisURL))
	streamErr := stream.Run(ctx) // returns when ctx ends

	log.Info("stopping: finishing in-flight replies and the outbox")
	stopHTTP() // first, on its own clock: the flush below may use all of grace
	grace, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if err := disp.Shutdown(grace); err != nil {
		log.Warn("dispatcher did not drain in time", "err", err)
	}
	select { // a tick being written must reach the outbox before the flush
	case <-schedDone:
	case <-grace.Done():
	}
	if n, err := sender.Flush(grace); err != nil {
		log.Warn("outbox not flushed", "sent", n, "err", err)
	}
	stopSender()
	<-senderDone // at most the post in flight, which its lease bounds
	if streamErr != nil && !errors.Is(streamErr, context.Canceled) {
		return streamErr
	}
	log.Info("stopped")
	return nil
}

func logStop(log *slog.Logger, what string, err error) {
	if err != nil && !errors.Is(err, context.Canceled) {
		log.Error(what+" stopped", "err", err)
	}
}

func storeKind(redisURL string) string {
	if redisURL != "" {
		return "redis"
	}
	return "embedded"
}
