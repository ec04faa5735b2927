package console

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"time"

	"xuexibot/bot"
)

// Conversation is the conversation id of console messages.
const Conversation = "console"

// maxLine bounds one input line; the router refuses long messages itself,
// this only keeps a runaway pipe from growing the buffer without end.
const maxLine = 1 << 20

// Run reads lines from in until EOF or ctx ends, sends each non-empty line
// to h as a direct message from user, and writes the replies to out. When
// in is a terminal it greets and prompts; piped input gets replies only.
func Run(ctx context.Context, h bot.Handler, in io.Reader, out io.Writer, user bot.User) error {
	interactive := isTerminal(in)
	if interactive {
		fmt.Fprintln(out, "xuexibot 控制台：输入 /帮助 查看命令，Ctrl-D 退出。")
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 4096), maxLine)
	session := time.Now().UnixNano()
	n := 0
	for {
		if ctx.Err() != nil {
			return nil
		}
		if interactive {
			if _, err := io.WriteString(out, "> "); err != nil {
				return fmt.Errorf("console: write: %w", err)
			}
		}
		if !sc.Scan() {
			break
		}
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		n++
		m := bot.Message{
			ID:           fmt.Sprintf("console-%d-%d", session, n),
			Conversation: Conversation,
			Type:         bot.Direct,
			Sender:       user,
			Text:         line,
			At:           time.Now(),
		}
		r := h.Handle(ctx, m)
		if r.Markdown == "" && r.Link == nil {
			continue
		}
		if _, err := io.WriteString(out, Render(r)+"\n\n"); err != nil {
			return fmt.Errorf("console: write: %w", err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("console: read: %w", err)
	}
	if interactive {
		fmt.Fprintln(out)
	}
	return nil
}

var (
	linkRe    = regexp.MustCompile(`\[([^\]]*)\]\(([^)\s]+)\)`)
	headingRe = regexp.MustCompile(`(?m)^#{1,6}\s+`)
)

// Render turns a reply's markdown into plain terminal text: headings and
// bold lose their marks, links show their address, mentions read @name.
func Render(r bot.Reply) string {
	s := r.Markdown
	s = headingRe.ReplaceAllString(s, "")
	s = strings.ReplaceAll(s, "**", "")
	s = linkRe.ReplaceAllString(s, "$1（$2）")
	s = strings.ReplaceAll(s, "&nbsp;", " ")
	var missing []string
	for _, m := range r.Mentions {
		name := m.Name
		if name == "" {
			name = m.UserID
		}
		if name == "" {
			name = m.Mobile
		}
		found := false
		for _, key := range []string{m.UserID, m.Mobile} {
			if key != "" && strings.Contains(s, "@"+key) {
				s = strings.ReplaceAll(s, "@"+key, "@"+name)
				found = true
			}
		}
		if !found && name != "" {
			missing = append(missing, "@"+name)
		}
	}
	if len(missing) > 0 {
		s += "\n" + strings.Join(missing, " ")
	}
	if r.Link != nil {
		s += "\n" + r.Link.Title + "：" + r.Link.URL
	}
	return strings.TrimRight(s, "\n")
}

// isTerminal reports whether r is a character device (a terminal), using
// only the standard library.
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
