package remind

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"xuexibot/report"
	"xuexibot/store"
)

// maxPartBytes is the most markdown, counted as JSON escapes it, that one
// outbox message carries, its @-mentions included (mentionLen). The Poster
// sends each message in one request (bot/dingtalk refuses one that would
// need several), within msgParam's 15000 bytes and a webhook body's 20000;
// the rest is room for the title and the button.
const maxPartBytes = report.MaxMarkdownBytes

// maxMentions is the most people one message @s: DingTalk notifies at most
// 50 per message, and the client would still write every "@id" of the
// rest into the text, past its size limit.
const maxMentions = 50

// draft is a message as a job builds it. named maps a person in Mentions
// to the lines of Markdown that name them (their schools' lines), so that
// a digest cut into parts @s on each part the people that part names.
type draft struct {
	store.OutMsg
	named map[string][]string
}

// splitParts cuts each message that does not fit one send into several, so
// that no message is ever half posted: a Poster that split one itself could
// post its first part, fail on the second, and post the first again when
// the outbox retried the whole (the OpenAPI has no idempotency key). A
// message fits when its markdown and its mentions (mentionLen) take at most
// max bytes and it @s at most maxMentions people.
//
// Parts get the ids "<id>-p1", "-p2"..., numbered titles (1/3) and the link
// on the last. Each part @s the people named on it (draft.named); people
// named nowhere go, in order, on the first parts with room. They keep the
// Job and Tick, so a newer tick still supersedes every part of an older one
// (the outbox drops only older ticks), and their NextTry is a millisecond
// apart so that the outbox hands them out in order. A message that fits is
// left as it is, id included.
func splitParts(drafts []draft, max int) []store.OutMsg {
	out := make([]store.OutMsg, 0, len(drafts))
	for _, d := range drafts {
		parts, at := d.split(max)
		if len(parts) <= 1 {
			m := d.OutMsg
			m.Mentions = at[0]
			out = append(out, m)
			continue
		}
		for i, md := range parts {
			p := d.OutMsg
			p.ID = d.ID + "-p" + strconv.Itoa(i+1)
			p.Title = d.Title + "（" + strconv.Itoa(i+1) + "/" + strconv.Itoa(len(parts)) + "）"
			p.Markdown = md
			p.NextTry = d.NextTry.Add(time.Duration(i) * time.Millisecond)
			p.Mentions = at[i]
			if i < len(parts)-1 {
				p.LinkTitle, p.LinkURL = "", ""
			}
			out = append(out, p)
		}
	}
	return out
}

// split cuts d's markdown into parts that fit max with their mentions, and
// says whom each part @s. report.SplitMarkdown counts raw bytes, and
// newlines and quotes grow in JSON, and mentions take room too, so the cut
// is made tighter until every part fits. Past the tightest cut a part may
// still be too long (a single huge line), but never @s more than
// maxMentions people: the surplus is named in the text and not notified.
func (d draft) split(max int) ([]string, [][]string) {
	for lim := max; ; lim = lim * 7 / 8 {
		parts := report.SplitMarkdown(d.Markdown, lim)
		if len(parts) == 0 {
			parts = []string{d.Markdown}
		}
		at, fits := d.assign(parts)
		for i, p := range parts {
			if escapedLen(p)+mentionLen(at[i]) > max {
				fits = false
				break
			}
		}
		if fits || lim < 64 {
			return parts, at
		}
	}
}

// assign gives each part the people named on it, then the rest in order to
// the first parts with room, at most maxMentions a part. It reports false
// when someone could not be placed.
func (d draft) assign(parts []string) ([][]string, bool) {
	at := make([][]string, len(parts))
	lines := make([]map[string]bool, len(parts))
	for i, p := range parts {
		lines[i] = map[string]bool{}
		for l := range strings.Lines(p) {
			lines[i][strings.TrimSuffix(l, "\n")] = true
		}
	}
	ok := true
	seen := map[string]bool{}
	var loose []string
	for _, id := range d.Mentions {
		if seen[id] {
			continue
		}
		seen[id] = true
		placed := false
		for i := range parts {
			if !namesAny(lines[i], d.named[id]) {
				continue
			}
			placed = true
			if len(at[i]) >= maxMentions {
				ok = false
				continue
			}
			at[i] = append(at[i], id)
		}
		if !placed {
			loose = append(loose, id)
		}
	}
	i := 0
	for _, id := range loose {
		for i < len(at) && len(at[i]) >= maxMentions {
			i++
		}
		if i == len(at) {
			return at, false
		}
		at[i] = append(at[i], id)
	}
	return at, ok
}

func namesAny(lines map[string]bool, named []string) bool {
	for _, l := range named {
		if lines[l] {
			return true
		}
	}
	return false
}

// mentionLen is the room @-mentioning ids takes on the custom robot, at
// most what bot/dingtalk reserves: "\n\n" before the tags, "@id" and a
// space each in the text, and 24 bytes each for the at list.
func mentionLen(ids []string) int {
	if len(ids) == 0 {
		return 0
	}
	n := 2
	for _, id := range ids {
		n += escapedLen("@"+id) + 1 + 24
	}
	return n
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
