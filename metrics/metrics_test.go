package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"xuexibot/metrics"
)

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", rec.Code)
	}
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

func TestMetricsMove(t *testing.T) {
	m := metrics.New()
	m.MessageReceived()
	m.MessageReceived()
	m.MessageDeduplicated()
	m.Reconnected()
	m.ReplyObserved(30 * time.Millisecond)
	m.CommandHandled("done", "ok")
	m.CommandHandled("done", "ok")
	m.CommandHandled("set", "denied")
	m.StoreError("update")
	m.ReminderSent("deadline")
	m.ReminderFailed("lagging")
	m.ReminderRetried("lagging")
	m.OutboxDepth(7)
	m.CommandHandled("", "")

	out := scrape(t, m.Handler())
	for _, want := range []string{
		"xuexibot_messages_received_total 2",
		"xuexibot_messages_deduplicated_total 1",
		"xuexibot_reconnects_total 1",
		"xuexibot_reply_latency_seconds_count 1",
		`xuexibot_reply_latency_seconds_bucket{le="0.04"} 1`,
		`xuexibot_reply_latency_seconds_bucket{le="0.02"} 0`,
		`xuexibot_commands_total{name="done",outcome="ok"} 2`,
		`xuexibot_commands_total{name="set",outcome="denied"} 1`,
		`xuexibot_commands_total{name="unknown",outcome="unknown"} 1`,
		`xuexibot_store_errors_total{op="update"} 1`,
		`xuexibot_reminders_sent_total{job="deadline"} 1`,
		`xuexibot_reminders_failed_total{job="lagging"} 1`,
		`xuexibot_reminders_retried_total{job="lagging"} 1`,
		"xuexibot_outbox_depth 7",
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
	m.OutboxDepth(0)
	if out := scrape(t, m.Handler()); !strings.Contains(out, "xuexibot_outbox_depth 0") {
		t.Errorf("outbox depth gauge did not go back to 0")
	}
}

// Two instances in one process must not share or collide on a registry.
func TestInstancesAreIndependent(t *testing.T) {
	a, b := metrics.New(), metrics.New()
	a.MessageReceived()
	if out := scrape(t, b.Handler()); !strings.Contains(out, "xuexibot_messages_received_total 0") {
		t.Errorf("second instance saw the first one's count")
	}
}

func TestNilRecordsNothing(t *testing.T) {
	var m *metrics.Metrics
	m.MessageReceived()
	m.MessageDeduplicated()
	m.ReplyObserved(time.Second)
	m.Reconnected()
	m.CommandHandled("done", "ok")
	m.StoreError("update")
	m.ReminderSent("j")
	m.ReminderFailed("j")
	m.ReminderRetried("j")
	m.OutboxDepth(3)
	if m.Registry() != nil {
		t.Error("nil Metrics returned a registry")
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("nil Metrics handler: status %d, want 404", rec.Code)
	}
}
