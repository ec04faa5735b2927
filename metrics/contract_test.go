package metrics_test

import (
	"xuexibot/bot"
	"xuexibot/bot/dingtalk"
	"xuexibot/commands"
	"xuexibot/metrics"
	"xuexibot/remind"
)

// Each consumer declares the hooks it calls; *Metrics must satisfy them all,
// so main can hand one value to every package.
var (
	_ bot.Metrics      = (*metrics.Metrics)(nil)
	_ dingtalk.Metrics = (*metrics.Metrics)(nil)
	_ commands.Metrics = (*metrics.Metrics)(nil)
	_ remind.Metrics   = (*metrics.Metrics)(nil)
)
