package dingtalk

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Size limits. msgParam of the OpenAPI sends may hold 15000 bytes; webhook
// bodies above 20000 bytes are refused (errcode 460101). The budgets leave
// room for the JSON around the text.
const (
	maxMsgParam   = 15000
	maxBody       = 20000
	bodyOverhead  = 600 // msgtype, title key, at object keys, msgUuid
	paramOverhead = 64
)

// marshal encodes v without HTML escaping, so "<", ">" and "&" in markdown
// and URLs stay one byte each and the sizes computed by escLen hold.
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v) // only maps, strings and slices: cannot fail
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// runeEscLen is the bytes r takes inside a JSON string written by marshal.
func runeEscLen(r rune) int {
	switch {
	case r == '"' || r == '\\' || r == '\n' || r == '\r' || r == '\t':
		return 2
	case r < 0x20 || r == '\u2028' || r == '\u2029' || r == utf8.RuneError:
		return 6
	default:
		return utf8.RuneLen(r)
	}
}

// escLen is the bytes s takes inside a JSON string. It adds up over
// concatenation, which split relies on.
func escLen(s string) int {
	n := 0
	for _, r := range s {
		n += runeEscLen(r)
	}
	return n
}

// split cuts text into parts of at most budget escaped bytes, at line ends
// where it can and inside a line only when the line alone is too long.
func split(text string, budget int) []string {
	if budget < 16 {
		budget = 16
	}
	if escLen(text) <= budget {
		return []string{text}
	}
	var parts []string
	var cur strings.Builder
	n := 0
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
			n = 0
		}
	}
	for _, line := range strings.SplitAfter(text, "\n") {
		l := escLen(line)
		if n+l <= budget {
			cur.WriteString(line)
			n += l
			continue
		}
		flush()
		if l <= budget {
			cur.WriteString(line)
			n = l
			continue
		}
		for _, r := range line {
			rl := runeEscLen(r)
			if n+rl > budget {
				flush()
			}
			cur.WriteRune(r)
			n += rl
		}
	}
	flush()
	return parts
}
