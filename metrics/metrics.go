package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Namespace prefixes every metric name.
const Namespace = "xuexibot"

// Metrics holds xuexibot's metrics and the registry they live on. The zero
// value is not usable; call New. A nil *Metrics records nothing.
// All methods are safe for concurrent use.
type Metrics struct {
	reg     *prometheus.Registry
	handler http.Handler

	received     prometheus.Counter
	deduplicated prometheus.Counter
	reconnects   prometheus.Counter
	replyLatency prometheus.Histogram
	commands     *prometheus.CounterVec // name, outcome
	storeErrors  *prometheus.CounterVec // op
	remSent      *prometheus.CounterVec // job
	remFailed    *prometheus.CounterVec // job
	remRetried   *prometheus.CounterVec // job
	outboxDepth  prometheus.Gauge
}

// New returns Metrics registered on a fresh registry together with the Go
// runtime and process collectors.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	counter := func(name, help string) prometheus.Counter {
		return prometheus.NewCounter(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help})
	}
	vec := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: Namespace, Name: name, Help: help}, labels)
	}
	m := &Metrics{
		reg:          reg,
		received:     counter("messages_received_total", "Chat messages received from the platform, before deduplication."),
		deduplicated: counter("messages_deduplicated_total", "Redelivered messages dropped because their msgId was already claimed."),
		reconnects:   counter("reconnects_total", "Reconnections of the DingTalk stream connection."),
		replyLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: Namespace,
			Name:      "reply_latency_seconds",
			Help:      "Time from receiving a message to DingTalk accepting the reply.",
			// 10 ms to about 20 s: a reply slower than that has failed for the person waiting.
			Buckets: prometheus.ExponentialBuckets(0.01, 2, 12),
		}),
		commands:    vec("commands_total", "Commands handled, by command name and outcome (ok, user_error, denied, internal).", "name", "outcome"),
		storeErrors: vec("store_errors_total", "Store operations that failed, by operation.", "op"),
		remSent:     vec("reminders_sent_total", "Reminder messages DingTalk accepted, by job.", "job"),
		remFailed:   vec("reminders_failed_total", "Reminder send attempts that failed, by job.", "job"),
		remRetried:  vec("reminders_retried_total", "Reminder messages scheduled for another attempt, by job.", "job"),
		outboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace,
			Name:      "outbox_depth",
			Help:      "Messages waiting in the durable outbox.",
		}),
	}
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.received, m.deduplicated, m.reconnects, m.replyLatency,
		m.commands, m.storeErrors, m.remSent, m.remFailed, m.remRetried, m.outboxDepth,
	)
	// Built once: HandlerFor with Registry set registers promhttp's own error
	// counter, which may happen only once per registry.
	m.handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{
		Registry:      reg,
		ErrorHandling: promhttp.ContinueOnError,
	})
	return m
}

// Handler serves the registry in the Prometheus exposition format. On a nil
// *Metrics it answers 404.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return m.handler
}

// Registry returns the registry, for registering collectors of other parts
// (a connection pool's stats) alongside xuexibot's own. Nil on a nil *Metrics.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// MessageReceived counts one message from the platform.
func (m *Metrics) MessageReceived() {
	if m != nil {
		m.received.Inc()
	}
}

// MessageDeduplicated counts one redelivered message that was dropped.
func (m *Metrics) MessageDeduplicated() {
	if m != nil {
		m.deduplicated.Inc()
	}
}

// ReplyObserved records how long one reply took.
func (m *Metrics) ReplyObserved(d time.Duration) {
	if m != nil {
		m.replyLatency.Observe(d.Seconds())
	}
}

// Reconnected counts one reconnection to DingTalk.
func (m *Metrics) Reconnected() {
	if m != nil {
		m.reconnects.Inc()
	}
}

// CommandHandled counts one command by name and outcome
// (ok, user_error, denied, internal).
func (m *Metrics) CommandHandled(name, outcome string) {
	if m != nil {
		m.commands.WithLabelValues(label(name), label(outcome)).Inc()
	}
}

// StoreError counts one failed store operation.
func (m *Metrics) StoreError(op string) {
	if m != nil {
		m.storeErrors.WithLabelValues(label(op)).Inc()
	}
}

// ReminderSent counts one reminder message DingTalk accepted.
func (m *Metrics) ReminderSent(job string) {
	if m != nil {
		m.remSent.WithLabelValues(label(job)).Inc()
	}
}

// ReminderFailed counts one failed attempt to send a reminder.
func (m *Metrics) ReminderFailed(job string) {
	if m != nil {
		m.remFailed.WithLabelValues(label(job)).Inc()
	}
}

// ReminderRetried counts one reminder scheduled for another attempt.
func (m *Metrics) ReminderRetried(job string) {
	if m != nil {
		m.remRetried.WithLabelValues(label(job)).Inc()
	}
}

// OutboxDepth sets how many messages wait in the outbox.
func (m *Metrics) OutboxDepth(n int) {
	if m != nil {
		m.outboxDepth.Set(float64(n))
	}
}

// label keeps an empty value readable in queries.
func label(v string) string {
	if v == "" {
		return "unknown"
	}
	return v
}
