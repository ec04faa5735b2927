package commands

import (
	"strings"
	"unicode"
)

// Input is a message as the parser reads it.
type Input struct {
	// Slash is set when the message starts with / (after @mentions).
	Slash bool
	// Name is the command as typed, ASCII letters lowercased; "" without a slash.
	Name string
	// Args are the words after the name (or all words without a slash).
	// Quoted words ("…" or “…”) keep their spaces and may be empty.
	Args []string
}

// Parse reads a message: full-width ASCII forms (／ ＝ ，１２３) fold to
// half-width, every Unicode space counts as a space, leading @mentions are
// dropped, and words are split at spaces except inside "…" or “…”. A quote
// may start anywhere in a word (管理员="张 三"); an unclosed one runs to
// the end. Parse never fails: what a word means is for the command to judge.
func Parse(text string) Input {
	s := fold(text)
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	// Drop leading @mentions: DingTalk leaves "@bot" in some clients' text.
	for strings.HasPrefix(s, "@") {
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			s = ""
			break
		}
		s = strings.TrimLeftFunc(s[i:], unicode.IsSpace)
	}
	var in Input
	if rest, ok := strings.CutPrefix(s, "/"); ok {
		in.Slash = true
		words := split(rest)
		if len(words) > 0 {
			in.Name = lowerASCII(words[0])
			in.Args = words[1:]
		}
		return in
	}
	in.Args = split(s)
	return in
}

// fold makes text valid UTF-8 and folds full-width ASCII and Unicode spaces.
func fold(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII forms
			return r - 0xFF01 + '!'
		case r == '\u3000' || r == '\u00A0' || r == '\u2007' || r == '\u202F' || r == '\uFEFF':
			return ' '
		case r == '\u200B' || r == '\u200C' || r == '\u200D' || r == '\u2060':
			return -1 // zero-width characters pasted from documents
		}
		return r
	}, s)
}

// closing returns the quote that closes r, if r opens one.
func closing(r rune) (rune, bool) {
	switch r {
	case '"':
		return '"', true
	case '“':
		return '”', true
	}
	return 0, false
}

// split cuts s into words at spaces outside quotes.
func split(s string) []string {
	var words []string
	var w strings.Builder
	inWord := false
	var quote rune // the closing quote while inside one
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			} else {
				w.WriteRune(r)
			}
		case unicode.IsSpace(r):
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		default:
			inWord = true
			if c, ok := closing(r); ok {
				quote = c
			} else {
				w.WriteRune(r)
			}
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words
}

func lowerASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'A' && r <= 'Z' {
			return r + 'a' - 'A'
		}
		return r
	}, s)
}

// String writes in back as a message that parses to in again, quoting
// words that hold spaces, quotes or a leading @ or /.
func (in Input) String() string {
	var words []string
	if in.Slash {
		words = append(words, "/"+quote(in.Name))
	}
	for _, a := range in.Args {
		words = append(words, quote(a))
	}
	return strings.Join(words, " ")
}

// quote returns w as one word for split.
func quote(w string) string {
	special := w == "" || strings.HasPrefix(w, "@") || strings.HasPrefix(w, "/") ||
		strings.ContainsFunc(w, func(r rune) bool {
			_, q := closing(r)
			return q || unicode.IsSpace(r) || r == '”'
		})
	if !special {
		return w
	}
	switch {
	case !strings.ContainsRune(w, '"'):
		return `"` + w + `"`
	case !strings.ContainsRune(w, '”'):
		return "“" + w + "”"
	}
	// Both closing quotes inside: quote each run separately, keeping every
	// double quote inside “…” and every ” inside "…".
	var b strings.Builder
	for _, r := range w {
		if r == '"' {
			b.WriteString("“\"”")
		} else {
			b.WriteString(`"` + string(r) + `"`)
		}
	}
	return b.String()
}
