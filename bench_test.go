package main

import (
	"context"
	"testing"
	"time"

	"xuexibot/bot/dingtalk"
	"xuexibot/bot/dingtalk/dingtalktest"
)

// tripsPerRun is how many push→reply round trips one benchmark iteration
// times; with -benchtime 1x that is the sample behind p50 and p99.
const tripsPerRun = 2000

// BenchmarkPushReply times push→reply through the DingTalk fake: from the
// frame handed to the stream connection to the reply reaching the message's
// sessionWebhook, serially and 16 at a time. echo is the floor, an answer
// straight from the same SDK and connection handling (dingtalk.Echo);
// status is `/status 湖南警察学院` through the real `run` (dispatcher,
// dedupe claim, router, store, reply client) over the embedded store and
// over Redis. Issue 4's target: the bot's p50 within 1.5× the echo's;
// x-echo-p50 is that ratio when the echo ran first in the same run.
//
//	go test -run '^$' -bench PushReply -benchtime 1x .
func BenchmarkPushReply(b *testing.B) {
	p50 := map[string]time.Duration{}
	b.Run("echo", func(b *testing.B) {
		f := dingtalktest.NewServer(b)
		e, err := dingtalk.NewEcho(dingtalk.Config{
			ClientID: f.ClientID, ClientSecret: f.ClientSecret, RobotCode: f.RobotCode,
			GroupID: f.GroupID, APIHost: f.URL,
		}, dingtalk.Options{})
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- e.Run(ctx) }()
		defer func() { cancel(); <-done }()
		if !f.WaitFor(20*time.Second, func() bool { return f.Connections() >= 1 }) {
			b.Fatal("echo did not connect")
		}
		measure(b, f, "echo", p50)
	})
	b.Run("status-embedded", func(b *testing.B) {
		f := dingtalktest.NewServer(b)
		r := startBot(b, "bot", writeBotConfig(b, f, botConfig{}))
		waitConnected(b, f, 1, r)
		measure(b, f, "status-embedded", p50)
	})
	b.Run("status-redis", func(b *testing.B) {
		f := dingtalktest.NewServer(b)
		r := startBot(b, "bot", writeBotConfig(b, f, redisConfig(b)))
		waitConnected(b, f, 1, r)
		measure(b, f, "status-redis", p50)
	})
}

// measure runs the serial and 16-way sub-benchmarks against a connected bot.
func measure(b *testing.B, f *dingtalktest.Server, name string, p50 map[string]time.Duration) {
	msg := dingtalktest.Msg{SenderID: adminID, SenderNick: adminNick, Text: " /status 湖南警察学院"}
	for _, conc := range []int{1, 16} {
		sub := map[int]string{1: "serial", 16: "concurrent16"}[conc]
		b.Run(sub, func(b *testing.B) {
			ctx := context.Background()
			// Warm up: connections to the session host, the token, caches.
			if w := f.MeasureRoundTrips(ctx, 100, conc, 10*time.Second, msg); w.Failed > 0 {
				b.Fatalf("warm-up: %v", w)
			}
			b.ResetTimer()
			r := f.MeasureRoundTrips(ctx, tripsPerRun*b.N, conc, 10*time.Second, msg)
			b.StopTimer()
			if r.Failed > 0 {
				b.Fatalf("%d round trips failed: %v", r.Failed, r)
			}
			p50[name+"/"+sub] = r.P50
			if floor := p50["echo/"+sub]; name != "echo" && floor > 0 {
				// The ratio to the floor measured in this same run.
				b.ReportMetric(float64(r.P50)/float64(floor), "x-echo-p50")
			}
			b.ReportMetric(float64(r.P50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(r.P99.Microseconds()), "p99-µs")
			b.ReportMetric(r.PerSecond, "msg/s")
			b.ReportMetric(0, "ns/op") // one op is tripsPerRun round trips: meaningless
		})
	}
}
