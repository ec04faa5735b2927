package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"

	"xuexibot/config"
	"xuexibot/remind"
	"xuexibot/store/redis"
)

// runCheckConfig: xuexibot check-config -config FILE. It reports every
// problem at once: unknown keys, bad values, cron specs, and a Redis that
// does not answer.
func runCheckConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("check-config", stderr)
	configPath := fs.String("config", "config.yaml", "配置文件")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	cfg, err := config.Load(*configPath)
	var problems []error
	if err != nil {
		problems = append(problems, err)
	}
	for key, spec := range map[string]string{
		"reminders.deadline": cfg.Reminders.Deadline,
		"reminders.lagging":  cfg.Reminders.Lagging,
		"reminders.report":   cfg.Reminders.Report,
	} {
		if _, err := remind.ParseSpec(spec); err != nil {
			problems = append(problems, fmt.Errorf("%s: %w", key, err))
		}
	}
	// Try Redis only with a URL that passed the checks: a bad one is
	// reported above, and dialling it would only say so again.
	if cfg.Store.RedisURL != "" && cfg.Store.CheckRedisURL() == nil {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		s, err := redis.Open(ctx, cfg.Store.RedisURL, redis.WithPrefix(cfg.Store.Prefix))
		cancel()
		if err != nil {
			problems = append(problems, fmt.Errorf("store.redis_url 无法使用（连不上或格式不对）：%w", dialError(err)))
		} else {
			s.Close()
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(stdout, "%s 有问题：\n", *configPath)
		for _, p := range problems {
			for _, line := range splitJoined(p) {
				fmt.Fprintln(stdout, "  -", line)
			}
		}
		return errReported
	}
	fmt.Fprintf(stdout, "%s 没有问题。\n", *configPath)
	return nil
}

// splitJoined flattens errors.Join trees into their messages.
func splitJoined(err error) []string {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []string
		for _, e := range j.Unwrap() {
			out = append(out, splitJoined(e)...)
		}
		return out
	}
	return []string{err.Error()}
}

// dialError is the part of a connection failure an operator needs, e.g.
// "dial tcp 10.0.0.5:6379: connect: connection refused", without every
// layer's prefix.
func dialError(err error) error {
	var op *net.OpError
	if errors.As(err, &op) {
		return op
	}
	return err
}
