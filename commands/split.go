package commands

import (
	"strconv"

	"xuexibot/bot"
	"xuexibot/report"
)

// Split cuts a reply whose markdown is longer than max bytes (max <= 0:
// report.MaxMarkdownBytes) into several, at line boundaries. The first
// part keeps the mentions, the last the link; titles are numbered (1/3).
func Split(r bot.Reply, max int) []bot.Reply {
	parts := report.SplitMarkdown(r.Markdown, max)
	if len(parts) <= 1 {
		return []bot.Reply{r}
	}
	out := make([]bot.Reply, len(parts))
	for i, p := range parts {
		out[i] = bot.Reply{
			Title:    r.Title + "（" + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(parts)) + "）",
			Markdown: p,
		}
	}
	out[0].Mentions = r.Mentions
	out[len(out)-1].Link = r.Link
	return out
}
