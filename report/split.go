package report

import (
	"strings"
	"unicode/utf8"
)

// DingTalk's size limits (../shared/dingtalk.md §4), with room for the JSON
// around the markdown.
const (
	// MaxMarkdownBytes keeps a msgParam (≤ 15000 bytes, JSON-escaped) and a
	// webhook body (< 20000 bytes) within limits.
	MaxMarkdownBytes = 12000
)

// SplitMarkdown cuts md into parts of at most max bytes (max <= 0 means
// MaxMarkdownBytes). It cuts between paragraphs (blank lines) when it can,
// else between lines; a single line longer than max is cut at rune
// boundaries. It returns md alone when it fits, and nothing for "".
func SplitMarkdown(md string, max int) []string {
	if max <= 0 {
		max = MaxMarkdownBytes
	}
	if md == "" {
		return nil
	}
	if len(md) <= max {
		return []string{md}
	}
	var parts []string
	var cur strings.Builder
	flush := func() {
		if s := strings.Trim(cur.String(), "\n"); s != "" {
			parts = append(parts, s)
		}
		cur.Reset()
	}
	add := func(piece string) {
		if cur.Len()+len(piece) > max {
			flush()
		}
		cur.WriteString(piece)
	}
	for _, para := range strings.SplitAfter(md, "\n\n") {
		if len(para) <= max {
			add(para)
			continue
		}
		for _, line := range strings.SplitAfter(para, "\n") {
			for len(line) > max {
				flush()
				cut := max
				for cut > 0 && !utf8.RuneStart(line[cut]) {
					cut--
				}
				parts = append(parts, line[:cut])
				line = line[cut:]
			}
			add(line)
		}
	}
	flush()
	return parts
}
