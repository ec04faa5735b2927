package names

import (
	"testing"
	"unicode/utf8"
)

// FuzzLookup checks that no query makes Lookup or Nearest panic or return
// an unordered or oversized answer, and that Normalize is idempotent.
func FuzzLookup(f *testing.F) {
	ix := New(hunan(f))
	for _, q := range []string{"湖南警察学院", "警察学院", "jcxy", "jingcha", "湖南吉利汽车职业学院", "ＡＢＣ１２３　（）", "湖", "\x00", "\xff\xfe", "学院学院学院", "K\u212a\u0130"} {
		f.Add(q, 5)
	}
	f.Fuzz(func(t *testing.T, q string, limit int) {
		n := Normalize(q)
		if again := Normalize(n); again != n {
			t.Fatalf("Normalize(%q) = %q, but Normalize of that = %q", q, n, again)
		}
		if utf8.ValidString(q) && !utf8.ValidString(n) {
			t.Fatalf("Normalize(%q) = %q is not UTF-8", q, n)
		}
		limit = limit % 50
		ms := ix.Lookup(q, limit)
		if limit <= 0 {
			limit = DefaultLimit
		}
		if len(ms) > limit {
			t.Fatalf("Lookup(%q, %d): %d candidates", q, limit, len(ms))
		}
		checkOrdered(t, q, ms)
		if near := ix.Nearest(q, 3); len(near) > 3 {
			t.Fatalf("Nearest(%q, 3): %d names", q, len(near))
		}
	})
}
