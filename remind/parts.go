package remind

import (
	"encoding/json"
	"strconv"
	"time"

	"xuexibot/report"
	"xuexibot/store"
)

// maxPartBytes is the most markdown, counted as JSON escapes it, that one
// outbox message carries. The Poster sends each message in one request
// (bot/dingtalk refuses one that would need several), within msgParam's
// 15000 bytes and a webhook body's 20000; the rest is room for the title,
// the button and the @-mentions (about 150 of them on the webhook).
const maxPartBytes = report.MaxMarkdownBytes

// splitParts cuts each message whose markdown is longer than max into
// several messages, so that no message is ever half posted: a Poster that
// split one itself could post its first part, fail on the second, and post
// the first again when the outbox retried the whole (the OpenAPI has no
// idempotency key). Parts get the ids "<id>-p1", "-p2"..., numbered titles
// (1/3), the mentions on the first part and the link on the last. They keep
// the Job and Tick, so a newer tick still supersedes every part of an older
// one (the outbox drops only older ticks), and their NextTry is a
// millisecond apart so that the outbox hands them out in order. A message
// that fits is left as it is, id included.
func splitParts(msgs []store.OutMsg, max int) []store.OutMsg {
	out := make([]store.OutMsg, 0, len(msgs))
	for _, m := range msgs {
		parts := splitMarkdown(m.Markdown, max)
		if len(parts) <= 1 {
			out = append(out, m)
			continue
		}
		for i, md := range parts {
			p := m
			p.ID = m.ID + "-p" + strconv.Itoa(i+1)
			p.Title = m.Title + "（" + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(parts)) + "）"
			p.Markdown = md
			p.NextTry = m.NextTry.Add(time.Duration(i) * time.Millisecond)
			if i > 0 {
				p.Mentions = nil
			}
			if i < len(parts)-1 {
				p.LinkTitle, p.LinkURL = "", ""
			}
			out = append(out, p)
		}
	}
	return out
}

// splitMarkdown cuts md into parts of at most max bytes once JSON-escaped:
// report.SplitMarkdown counts raw bytes, and newlines and quotes grow in
// JSON, so the cut is made tighter until every part fits.
func splitMarkdown(md string, max int) []string {
	for lim := max; ; lim = lim * 3 / 4 {
		parts := report.SplitMarkdown(md, lim)
		fits := true
		for _, p := range parts {
			if escapedLen(p) > max {
				fits = false
				break
			}
		}
		if fits || lim < 64 {
			return parts
		}
	}
}

// escapedLen is the bytes s takes inside a JSON string, at most what
// DingTalk counts (json.Marshal also escapes <, > and &).
func escapedLen(s string) int {
	b, err := json.Marshal(s)
	if err != nil {
		return len(s)
	}
	return len(b) - 2
}
