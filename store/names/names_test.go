package names

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"湖南警察学院", "湖南警察学院"},
		{"ＡＢＣ１２３", "abc123"},
		{"湖南警察学院　", "湖南警察学院"},
		{"　湖南 警察\t学院\n", "湖南警察学院"},
		{"湖南大学（本部）", "湖南大学(本部)"},
		{"Hu Nan", "hunan"},
		{"ＪＣＸＹ", "jcxy"},
		{"湖南\u200b警察\ufeff学院", "湖南警察学院"},
		{"！＂＃～", "!\"#~"},
		{"jcxy", "jcxy"},
		{"", ""},
		{"　 ", ""},
	} {
		if got := Normalize(c.in); got != c.want {
			t.Errorf("Normalize(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestLookupHunan resolves what people type against the 124 universities.
func TestLookupHunan(t *testing.T) {
	ix := New(hunan(t))
	for _, c := range []struct {
		q     string
		kind  Kind
		first string // name of the best candidate
		n     int    // number of candidates; -1: at least two
	}{
		{"湖南警察学院", Exact, "湖南警察学院", 1},
		{"湖南警察学院　", Exact, "湖南警察学院", 1},
		{" 湖南 警察学院 ", Exact, "湖南警察学院", 1},
		{"湖南商学院", Exact, "湖南商学院", 1},
		{"湖南工商大学", Alias, "湖南商学院", 1},
		{"湖南工商大学北津学院", Alias, "湖南商学院北津学院", 1},
		{"警察学院", Fragment, "湖南警察学院", 1},
		{"吉利汽车", Fragment, "湖南吉利汽车职业技术学院", 1},
		{"湖南师范", Fragment, "湖南师范大学", 2},
		{"职业技术学院", Fragment, "永州职业技术学院", -1},
		{"jingcha", Pinyin, "湖南警察学院", 1},
		{"JingCha", Pinyin, "湖南警察学院", 1},
		{"jing cha", Pinyin, "湖南警察学院", 1},
		{"hunanjingchaxueyuan", Pinyin, "湖南警察学院", 1},
		{"ｊｉｎｇｃｈａ", Pinyin, "湖南警察学院", 1},
		{"changsha", Pinyin, "长沙学院", -1}, // 长 reads chang in 长沙, not zhang
		{"dushi", Pinyin, "湖南都市职业学院", 1},
		{"nvzi", Pinyin, "湖南女子学院", 1},
		{"jcxy", Initials, "湖南警察学院", 1},
		{"JCXY", Initials, "湖南警察学院", 1},
		{"cslg", Initials, "长沙理工大学", 2},
		{"湖南吉利汽车职业学院", Fuzzy, "湖南吉利汽车职业技术学院", 1},
		{"湘大", Fuzzy, "湘潭大学", 2},
		{"湖南警查学院", Fuzzy, "湖南警察学院", 1}, // one wrong character
		{"湖", Exact, "", 0},
		{"j", Exact, "", 0},
		{"jingca", Exact, "", 0}, // not at a syllable: left to Nearest
		{"anjing", Exact, "", 0}, // in hunanjingcha, but not from a syllable
		{"北京大学", Exact, "", 0},
		{"", Exact, "", 0},
		{"　", Exact, "", 0},
	} {
		ms := ix.Lookup(c.q, 5)
		switch {
		case c.n == 0:
			if len(ms) != 0 {
				t.Errorf("%q: got %v, want nothing", c.q, ms)
			}
			continue
		case c.n < 0 && len(ms) < 2, c.n > 0 && len(ms) != c.n:
			t.Errorf("%q: got %d candidates %v, want %d", c.q, len(ms), ms, c.n)
			continue
		}
		if ms[0].Name != c.first || ms[0].Kind != c.kind {
			t.Errorf("%q: best is %s (%v), want %s (%v); all %v", c.q, ms[0].Name, ms[0].Kind, c.first, c.kind, ms)
		}
		for _, m := range ms {
			if m.Kind != c.kind {
				t.Errorf("%q: %s matched as %v, want only %v", c.q, m.Name, m.Kind, c.kind)
			}
		}
		checkOrdered(t, c.q, ms)
	}
}

// checkOrdered checks candidates are distinct, best first and within limits.
func checkOrdered(t *testing.T, q string, ms []Match) {
	t.Helper()
	ids := map[string]bool{}
	for i, m := range ms {
		if ids[m.ID] {
			t.Errorf("%q: %s twice", q, m.ID)
		}
		ids[m.ID] = true
		if i > 0 && (m.Score > ms[i-1].Score || m.Kind < ms[i-1].Kind) {
			t.Errorf("%q: %s (%v %.4f) ranks after %s (%v %.4f)", q, m.Name, m.Kind, m.Score, ms[i-1].Name, ms[i-1].Kind, ms[i-1].Score)
		}
	}
}

func TestLookupOrder(t *testing.T) {
	ix := New([]Entry{
		{ID: "a", Name: "东湖学院第一党支部", Order: 5},
		{ID: "b", Name: "东湖学院", Aliases: []string{"东湖"}, Order: 9},
		{ID: "c", Name: "西湖学院", Order: 1},
		{ID: "d", Name: "北湖学院", Order: 0},
		{ID: "e", Name: "第一党支部", Order: 3},
		{ID: "f", Name: "第一党支部", Order: 2},
		{ID: "g", Name: "南湖大学", Aliases: []string{"东湖学院"}, Order: 4},
	})
	for _, c := range []struct {
		q    string
		want []string // ids, best first
	}{
		// A name beats an alias; a map hit stops there.
		{"东湖学院", []string{"b", "g"}},
		// Two entries of one name: both, by Order, so neither is picked.
		{"第一党支部", []string{"f", "e"}},
		// Fragments: the shorter name (or alias) first, then Order.
		{"湖学院", []string{"d", "c", "g", "b", "a"}},
		{"东湖", []string{"b"}},
		// Pinyin: donghu is all of b's alias, part of the others.
		{"donghu", []string{"b", "g", "a"}},
	} {
		ms := ix.Lookup(c.q, 0)
		var got []string
		for _, m := range ms {
			got = append(got, m.ID)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%q: got %v, want %v; %v", c.q, got, c.want, ms)
		}
		checkOrdered(t, c.q, ms)
	}
}

func TestLookupMatched(t *testing.T) {
	ix := New(hunan(t))
	ms := ix.Lookup("湖南工商大学", 5)
	if len(ms) != 1 || ms[0].Matched != "湖南工商大学" || ms[0].Name != "湖南商学院" {
		t.Fatalf("got %v, want the alias 湖南工商大学 of 湖南商学院", ms)
	}
	ms = ix.Lookup("工商大学北津", 5)
	if len(ms) != 1 || ms[0].Kind != Fragment || ms[0].Matched != "湖南工商大学北津学院" {
		t.Fatalf("got %v, want a fragment of the alias 湖南工商大学北津学院", ms)
	}
}

func TestLookupLimit(t *testing.T) {
	ix := New(hunan(t))
	all := ix.Lookup("学院", 1000)
	if len(all) < 80 {
		t.Fatalf("学院: %d candidates, want most of the 124", len(all))
	}
	checkOrdered(t, "学院", all)
	for _, limit := range []int{1, 3, 10} {
		got := ix.Lookup("学院", limit)
		if !slices.Equal(got, all[:limit]) {
			t.Errorf("limit %d: got %v, want the first %d of the full list", limit, got, limit)
		}
	}
	if got := ix.Lookup("学院", 0); len(got) != DefaultLimit {
		t.Errorf("limit 0: %d candidates, want %d", len(got), DefaultLimit)
	}
}

// TestNewCopies checks the index does not see later changes to its input.
func TestNewCopies(t *testing.T) {
	es := []Entry{{ID: "x", Name: "湖南警察学院", Aliases: []string{"警院"}}}
	ix := New(es)
	es[0].Name = "别的"
	es[0].Aliases[0] = "别名"
	ms := ix.Lookup("警院", 1)
	if len(ms) != 1 || ms[0].Name != "湖南警察学院" || ms[0].Matched != "警院" {
		t.Fatalf("got %v after changing the input", ms)
	}
}

func TestPlaceReadings(t *testing.T) {
	ix := New([]Entry{
		{ID: "cq", Name: "重庆大学"},
		{ID: "xm", Name: "厦门大学"},
		{ID: "cc", Name: "长春工业大学"},
		{ID: "zd", Name: "重点实验室"},
		{ID: "it", Name: "湖南IT学院"},
		{ID: "kj", Name: "会计学院"},
	})
	for q, want := range map[string]string{
		"chongqing": "cq", "cqdx": "cq", "xiamen": "xm", "changchun": "cc",
		"zhongdian": "zd", "hunanit": "it", "hnitxy": "it", "kuaiji": "kj",
	} {
		ms := ix.Lookup(q, 5)
		if len(ms) != 1 || ms[0].ID != want {
			t.Errorf("%q: got %v, want %s", q, ms, want)
		}
	}
}

func TestNearest(t *testing.T) {
	ix := New(hunan(t))
	for _, c := range []struct {
		q     string
		first string
	}{
		{"湖南警查学院", "湖南警察学院"},
		{"警查学院", "湖南警察学院"},
		{"湖南吉利汽车学院", "湖南吉利汽车职业技术学院"},
		{"jingca", "湖南警察学院"},
		{"hunanjinchaxueyuan", "湖南警察学院"},
		{"jcxv", "湖南警察学院"},
		{"湘潭大雪", "湘潭大学"},
	} {
		ms := ix.Nearest(c.q, 3)
		if len(ms) == 0 || ms[0].Name != c.first {
			t.Errorf("Nearest(%q) = %v, want %s first", c.q, ms, c.first)
			continue
		}
		if len(ms) > 3 {
			t.Errorf("Nearest(%q): %d names, want at most 3", c.q, len(ms))
		}
		checkOrdered(t, c.q, ms)
		for _, m := range ms {
			if m.Kind != Fuzzy || m.Score <= 0 || m.Score > 1 {
				t.Errorf("Nearest(%q): %v, want Fuzzy with a score in (0,1]", c.q, m)
			}
		}
	}
	for _, q := range []string{"", "鑫鑫鑫"} {
		if ms := ix.Nearest(q, 3); len(ms) != 0 {
			t.Errorf("Nearest(%q) = %v, want nothing", q, ms)
		}
	}
	if ms := ix.Nearest("湖南警察学院", 0); ms != nil {
		t.Errorf("Nearest with n 0 = %v", ms)
	}
}

// TestLookup100k checks the synthetic country-sized index answers like the
// small one.
func TestLookup100k(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a 100,000-entry index")
	}
	ix := New(synthetic(t, 100_000))
	if ix.Len() != 100_000 {
		t.Fatalf("Len = %d", ix.Len())
	}
	ms := ix.Lookup("湖南警察学院", 5)
	if len(ms) != 1 || ms[0].Kind != Exact {
		t.Errorf("exact: %v", ms)
	}
	ms = ix.Lookup("湖南警察学院计算机学院第7党支部", 5)
	if len(ms) != 1 || ms[0].Kind != Exact {
		t.Errorf("exact branch: %v", ms)
	}
	ms = ix.Lookup("警察学院", 5)
	if len(ms) != 5 || ms[0].Name != "湖南警察学院" {
		t.Errorf("fragment: %v", ms)
	}
	checkOrdered(t, "警察学院", ms)
	ms = ix.Lookup("jcxyjsjxy", 3) // 警察学院计算机学院
	if len(ms) != 3 || ms[0].Kind != Initials || !strings.HasPrefix(ms[0].Name, "湖南警察学院计算机学院第") {
		t.Errorf("initials: %v", ms)
	}
	checkOrdered(t, "jcxyjsjxy", ms)
	// Now its branches match too, but the university ranks first.
	ms = ix.Lookup("湖南吉利汽车职业学院", 5)
	if len(ms) != 5 || ms[0].Name != "湖南吉利汽车职业技术学院" || ms[0].Kind != Fuzzy {
		t.Errorf("fuzzy: %v", ms)
	}
	if ms := ix.Nearest("湖南警查学院", 3); len(ms) == 0 || ms[0].Name != "湖南警察学院" {
		t.Errorf("nearest: %v", ms)
	}
}

// TestDistances checks the bit-parallel edit distance against the plain
// dynamic programme, and both substring distances against brute force.
func TestDistances(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = "abcd"[r.IntN(4)]
		}
		return string(b)
	}
	for range 2000 {
		p, s := word(1+r.IntN(12)), word(r.IntN(16))
		pr, sr := []rune(p), []rune(s)
		full := levenshtein(pr, sr, -1)
		brute := len(pr)
		for i := 0; i <= len(sr); i++ {
			for j := i; j <= len(sr); j++ {
				brute = min(brute, levenshtein(pr, sr[i:j], -1))
			}
		}
		pat := newPattern(p)
		if got := pat.distance(s, false); got != full {
			t.Fatalf("myers(%q, %q) = %d, want %d", p, s, got, full)
		}
		if got := pat.distance(s, true); got != brute {
			t.Fatalf("myers search(%q, %q) = %d, want %d", p, s, got, brute)
		}
		if got := searchDistance(pr, sr); got != brute {
			t.Fatalf("searchDistance(%q, %q) = %d, want %d", p, s, got, brute)
		}
		for maxd := range 3 {
			got := levenshtein(pr, sr, maxd)
			if (full <= maxd && got != full) || (full > maxd && got <= maxd) {
				t.Fatalf("levenshtein(%q, %q, %d) = %d, full %d", p, s, maxd, got, full)
			}
		}
	}
	long := strings.Repeat("ab", 32) // 64 bytes: the widest pattern
	if got := newPattern(long).distance(long+"x", true); got != 0 {
		t.Errorf("64-byte pattern in itself: %d", got)
	}
}

func TestKindString(t *testing.T) {
	for k := Exact; k <= Fuzzy; k++ {
		if k.String() == fmt.Sprintf("kind(%d)", int(k)) || k.Label() == "" {
			t.Errorf("kind %d has no name", int(k))
		}
	}
	if Kind(9).String() != "kind(9)" {
		t.Errorf("Kind(9) = %s", Kind(9))
	}
}

// TestEmpty checks indexes with nothing, or nothing searchable, in them.
func TestEmpty(t *testing.T) {
	for _, es := range [][]Entry{nil, {{ID: "x"}}, {{ID: "x", Aliases: []string{"", "　"}}, {ID: "y", Name: "湖南大学"}}} {
		ix := New(es)
		for _, q := range []string{"湖南大学", "hunan", "湖大", "湖南大學院", "x"} {
			ms := ix.Lookup(q, 5)
			for _, m := range ms {
				if m.ID != "y" {
					t.Errorf("%v: Lookup(%q) = %v", es, q, ms)
				}
			}
			for _, m := range ix.Nearest(q, 5) {
				if m.ID != "y" {
					t.Errorf("%v: Nearest(%q) = %v", es, q, m)
				}
			}
		}
	}
}
