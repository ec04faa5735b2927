package dingtalk_test

import (
	"context"
	"testing"
	"time"

	"xuexibot/bot"
	"xuexibot/bot/dingtalk"
	"xuexibot/bot/dingtalk/dingtalktest"
)

// The push→reply round trip through the fake: the Echo floor (SDK + a
// direct sessionWebhook post) beside the full adapter (Stream + Dispatcher
// with in-process claims + Client.Reply) running an echo handler. The lead's
// /status benchmark runs main's bot the same way.
//
//	go test -run '^$' -bench RoundTrip -benchtime 2000x ./bot/dingtalk/

func BenchmarkRoundTripEcho(b *testing.B) {
	f := dingtalktest.NewServer(b)
	e, err := dingtalk.NewEcho(config(f), dingtalk.Options{})
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, f, e.Run, e.Connected)
}

func BenchmarkRoundTripStream(b *testing.B) {
	f := dingtalktest.NewServer(b)
	opt := dingtalk.Options{}
	c, err := dingtalk.NewClient(config(f), opt)
	if err != nil {
		b.Fatal(err)
	}
	d := bot.NewDispatcher(echoHandler, bot.NewMemoryClaims(), bot.Options{})
	defer d.Shutdown(context.Background())
	s, err := dingtalk.NewStream(config(f), c, d, opt)
	if err != nil {
		b.Fatal(err)
	}
	runBench(b, f, s.Run, s.Connected)
}

func runBench(b *testing.B, f *dingtalktest.Server, run func(context.Context) error, connected func() bool) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	defer func() { cancel(); <-done }()
	for !connected() {
		time.Sleep(10 * time.Millisecond)
	}
	msg := dingtalktest.Msg{SenderID: admin, SenderNick: "测试", Text: " /状态"}
	for _, conc := range []int{1, 16} {
		b.Run(map[int]string{1: "serial", 16: "concurrent16"}[conc], func(b *testing.B) {
			f.MeasureRoundTrips(ctx, 20, conc, 10*time.Second, msg) // warm up
			b.ResetTimer()
			r := f.MeasureRoundTrips(ctx, b.N, conc, 10*time.Second, msg)
			b.StopTimer()
			if r.Failed > 0 {
				b.Fatalf("%d round trips failed", r.Failed)
			}
			b.ReportMetric(float64(r.P50.Microseconds()), "p50-µs")
			b.ReportMetric(float64(r.P99.Microseconds()), "p99-µs")
			b.ReportMetric(r.PerSecond, "msg/s")
		})
	}
}
