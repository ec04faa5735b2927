package names

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind says how a query matched.
type Kind int

// Match kinds, best first.
const (
	Exact    Kind = iota // the normalised name
	Alias                // a normalised alias
	Fragment             // a substring of the name or an alias
	Pinyin               // full pinyin (jingchaxueyuan) or a part of it
	Initials             // pinyin initials (jcxy) or a part of them
	Fuzzy                // subsequence or small edit distance
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case Exact:
		return "exact"
	case Alias:
		return "alias"
	case Fragment:
		return "fragment"
	case Pinyin:
		return "pinyin"
	case Initials:
		return "initials"
	case Fuzzy:
		return "fuzzy"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Label names the kind for users, e.g. in "按拼音匹配".
func (k Kind) Label() string {
	switch k {
	case Exact:
		return "全称"
	case Alias:
		return "别名"
	case Fragment:
		return "部分名称"
	case Pinyin:
		return "拼音"
	case Initials:
		return "拼音首字母"
	case Fuzzy:
		return "近似"
	}
	return k.String()
}

// Entry is one node's names.
type Entry struct {
	ID      string
	Name    string
	Aliases []string
	Level   int
	Order   int
}

// Match is one candidate for a query.
type Match struct {
	ID    string
	Name  string
	Kind  Kind
	Score float64 // higher is better
	// Matched is the entry's name or alias, as given to New, that the query
	// matched: the alias when Kind is Alias, so a reply can say
	// "湖南工商大学（即湖南商学院）".
	Matched string
}

// DefaultLimit is the number of candidates Lookup returns for limit 0.
const DefaultLimit = 10

// Index answers queries over a fixed set of entries. Safe for concurrent reads.
type Index struct {
	entries      []Entry
	docs         []doc // in entry order, so an entry's docs are adjacent
	text, py, in hay
	syllable     []uint64 // bit i set: a syllable starts at py.s[i]
	exact, alias map[string][]int32
	runeID       map[rune]int32
	postings     [][]int32 // by rune id: the docs holding the rune, ascending
	rank         []int32   // docs by Entry.Order, entry, doc
	// tokens are the syllables (and non-Han runs) of all pinyin, prefixes
	// their prefixes: a query no sequence of them spells cannot match as
	// Pinyin, which spares a scan.
	tokens, prefixes map[string]bool
}

// Len returns the number of entries.
func (ix *Index) Len() int { return len(ix.entries) }

// Lookup returns the candidates for q, best first, at most limit (0: 10).
// It returns the first of these that finds anything: exact and alias
// matches (map hits); fragment, pinyin and initials matches; fuzzy
// matches. It never returns two matches for one entry. See the package
// comment for how it orders them.
func (ix *Index) Lookup(q string, limit int) []Match {
	n := Normalize(q)
	if n == "" {
		return nil
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	l := lookup{ix: ix, limit: limit, matched: n}
	for _, e := range ix.exact[n] {
		l.add(cand{entry: e, doc: -1, score: score(Exact, 1)}, Exact)
	}
	for _, e := range ix.alias[n] {
		l.add(cand{entry: e, doc: -1, score: score(Alias, 1)}, Alias)
	}
	if len(l.out) > 0 {
		// The query names its entries; a fragment scan would only add
		// longer names that contain it, at the cost of a scan.
		return l.out
	}
	runes := utf8.RuneCountInString(n)
	if runes < 2 {
		// One character is in too many names to mean any of them.
		return l.out
	}
	l.fragment(n, runes)
	if ascii(n) {
		if ix.spells(n) {
			l.scan(Pinyin, &ix.py, n, len(n), func(d *doc) int { return d.py.len() }, ix.atSyllable)
		}
		l.scan(Initials, &ix.in, n, len(n), func(d *doc) int { return d.in.len() }, nil)
	}
	if len(l.out) == 0 {
		l.fuzzy(n)
	}
	return l.out
}

// lookup is the state of one Lookup call.
type lookup struct {
	ix      *Index
	limit   int
	out     []Match
	taken   map[int32]bool // entries already in out
	matched string
}

func (l *lookup) full() bool { return len(l.out) >= l.limit }

func (l *lookup) add(c cand, k Kind) {
	if l.full() || l.taken[c.entry] {
		return
	}
	if l.taken == nil {
		l.taken = map[int32]bool{}
	}
	l.taken[c.entry] = true
	e := &l.ix.entries[c.entry]
	m := Match{ID: e.ID, Name: e.Name, Kind: k, Score: c.score, Matched: e.Name}
	if c.doc >= 0 {
		if a := l.ix.docs[c.doc].alias; a >= 0 {
			m.Matched = e.Aliases[a]
		}
	} else if k == Alias {
		m.Matched = l.ix.aliasNamed(c.entry, l.matched)
	}
	l.out = append(l.out, m)
}

// aliasNamed returns the alias of entry e whose normal form is n.
func (ix *Index) aliasNamed(e int32, n string) string {
	for _, a := range ix.entries[e].Aliases {
		if Normalize(a) == n {
			return a
		}
	}
	return ix.entries[e].Name
}

// scan adds, as kind k, the docs whose form in h contains q, until the
// limit. h is in rank order, so the first matches are the best and the
// scan stops early for common queries. qn is q's length and size a doc's,
// in the same unit; ok, when set, vets a match position.
func (l *lookup) scan(k Kind, h *hay, q string, qn int, size func(*doc) int, ok func(int) bool) {
	for pos := 0; !l.full(); {
		i := strings.Index(h.s[pos:], q)
		if i < 0 {
			return
		}
		at := pos + i
		if ok != nil && !ok(at) {
			pos = at + 1
			continue
		}
		slot := h.slot(at)
		d := h.docs[slot]
		dd := &l.ix.docs[d]
		l.add(cand{entry: dd.entry, doc: d, score: score(k, float64(qn)/float64(max(size(dd), 1)))}, k)
		pos = int(h.starts[slot+1]) // one match per doc is enough
	}
}

// rarePosting is the most docs fragment checks one by one; a rune in more
// docs than this is left to the scan of the hay, which stops early.
const rarePosting = 4096

// fragment adds the docs whose text contains q. When one of q's runes is
// rare it checks only the docs holding that rune; otherwise it scans.
func (l *lookup) fragment(q string, runes int) {
	var rare []int32
	for i, r := range q {
		id, ok := l.ix.runeID[r]
		if !ok {
			return // no doc holds r
		}
		if ps := l.ix.postings[id]; i == 0 || len(ps) < len(rare) {
			rare = ps
		}
	}
	if len(rare) > rarePosting {
		l.scan(Fragment, &l.ix.text, q, runes, func(d *doc) int { return int(d.runes) }, nil)
		return
	}
	var hits []int32
	for _, d := range rare {
		t := l.ix.docs[d].text
		if strings.Contains(l.ix.text.s[t.start:t.end], q) {
			hits = append(hits, d)
		}
	}
	// The hay is in rank order, so a doc's place in it is its rank.
	slices.SortFunc(hits, func(a, b int32) int { return cmp.Compare(l.ix.docs[a].text.start, l.ix.docs[b].text.start) })
	for _, d := range hits {
		dd := &l.ix.docs[d]
		l.add(cand{entry: dd.entry, doc: d, score: score(Fragment, float64(runes)/float64(dd.runes))}, Fragment)
	}
}

// spells reports whether q is a run of syllables, the last perhaps cut
// short: the only queries that can match as Pinyin.
func (ix *Index) spells(q string) bool {
	if len(q) > 64 {
		return true // not worth proving
	}
	var can [65]bool // can[i]: q[:i] is whole syllables
	can[0] = true
	for i := 0; i < len(q); i++ {
		if !can[i] {
			continue
		}
		if ix.prefixes[q[i:]] {
			return true
		}
		for j := i + 1; j <= len(q); j++ {
			if ix.tokens[q[i:j]] {
				can[j] = true
			}
		}
	}
	return false
}

func (ix *Index) atSyllable(at int) bool { return bit(ix.syllable, at) }

// fuzzy adds the entries q is a subsequence of, or (for queries of four
// characters or more) within one or two edits of.
func (l *lookup) fuzzy(q string) {
	qr := []rune(q)
	if len(qr) > maxFuzzy {
		return
	}
	maxd := 0
	switch {
	case len(qr) >= 8:
		maxd = 2
	case len(qr) >= 4:
		maxd = 1
	}
	t := &topK{k: l.limit - len(l.out), better: l.ix.better, skip: l.taken}
	var buf []rune
	for _, d := range l.ix.fuzzyCandidates(qr, maxd) {
		dd := &l.ix.docs[d]
		text := l.ix.text.s[dd.text.start:dd.text.end]
		best := -1.0
		if subsequence(text, qr) {
			best = float64(len(qr)) / float64(dd.runes)
		}
		if maxd > 0 && abs(int(dd.runes)-len(qr)) <= maxd {
			buf = appendRunes(buf[:0], text)
			if e := levenshtein(qr, buf, maxd); e <= maxd {
				best = max(best, 1-float64(e)/float64(max(len(qr), len(buf))))
			}
		}
		if best >= 0 {
			t.offer(cand{entry: dd.entry, doc: d, score: score(Fuzzy, best)})
		}
	}
	for _, c := range t.sorted() {
		l.add(c, Fuzzy)
	}
}

// fuzzyCandidates returns, ascending, the docs that may hold qr as a
// subsequence or be within maxd edits of it. Such a doc lacks at most maxd
// of qr's distinct runes, so it holds one of any maxd+1 of them: the union
// of the maxd+1 rarest runes' postings covers every one.
func (ix *Index) fuzzyCandidates(qr []rune, maxd int) []int32 {
	var lists [][]int32
	for i, r := range qr {
		if slices.Contains(qr[:i], r) {
			continue
		}
		id, ok := ix.runeID[r]
		if !ok {
			if maxd == 0 {
				return nil // a subsequence needs every rune
			}
			lists = append(lists, nil)
			continue
		}
		lists = append(lists, ix.postings[id])
	}
	slices.SortFunc(lists, func(a, b []int32) int { return cmp.Compare(len(a), len(b)) })
	lists = lists[:min(maxd+1, len(lists))]
	if len(lists) == 1 {
		return lists[0]
	}
	var out []int32
	for _, ps := range lists {
		out = append(out, ps...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// maxFuzzy bounds the queries fuzzy matching and Nearest consider; no
// name is that long, and it keeps the counters small.
const maxFuzzy = 64

// shared counts, for every doc, how many of qr's distinct runes it holds.
func (ix *Index) shared(qr []rune) (counts []uint8, distinct int) {
	counts = make([]uint8, len(ix.docs))
	for i, r := range qr {
		if slices.Contains(qr[:i], r) {
			continue
		}
		distinct++
		if id, ok := ix.runeID[r]; ok {
			for _, d := range ix.postings[id] {
				counts[d]++
			}
		}
	}
	return counts, distinct
}

// score places a match of kind k in its band: every kind outranks the
// kinds after it, and within a kind a larger coverage (0..1] ranks higher.
func score(k Kind, coverage float64) float64 {
	return float64(Fuzzy-k+1) + 0.99*min(max(coverage, 0), 1)
}

// better orders candidates: higher score, then lower Entry.Order, then
// earlier entry.
func (ix *Index) better(a, b cand) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	if oa, ob := ix.entries[a.entry].Order, ix.entries[b.entry].Order; oa != ob {
		return oa < ob
	}
	return a.entry < b.entry
}

func subsequence(s string, qr []rune) bool {
	i := 0
	for _, r := range s {
		if i < len(qr) && r == qr[i] {
			i++
		}
	}
	return i == len(qr)
}

func appendRunes(buf []rune, s string) []rune {
	for _, r := range s {
		buf = append(buf, r)
	}
	return buf
}

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
