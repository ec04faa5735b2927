package names

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Normalize folds full-width forms to half-width, drops spaces, control and
// format characters, and lowercases. It is idempotent.
func Normalize(s string) string {
	if plain(s) || !changes(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\u3000': // ideographic space
			continue
		case r >= '\uff01' && r <= '\uff5e': // full-width ASCII: ！ .. ～
			r -= 0xfee0
		}
		if unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// plain reports whether s is already normal and can be returned as it is,
// which spares an allocation for the common lowercase-ASCII command words.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c <= ' ' || c == 0x7f || ('A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

// changes reports whether Normalize would change s; names usually come
// normal already, and returning them as they are spares an allocation.
func changes(s string) bool {
	for _, r := range s {
		if r == '\u3000' || (r >= '\uff01' && r <= '\uff5e') || r == utf8.RuneError ||
			unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.ToLower(r) != r {
			return true
		}
	}
	return false
}
