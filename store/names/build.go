package names

import (
	"cmp"
	"maps"
	"slices"
	"strings"
)

// doc is one searchable string: an entry's name or one of its aliases.
type doc struct {
	entry int32
	alias int32 // index into the entry's Aliases, -1 for the name
	runes int32 // rune count of the normalised text
	// Where the doc's normalised text, pinyin and initials are in the
	// Index's hays.
	text, py, in span
}

type span struct{ start, end int32 }

func (s span) len() int { return int(s.end - s.start) }

// hay is one kind's searchable text: every doc's form, each followed by
// sep, laid out in rank order (shorter first, then Entry.Order), so the
// first matches a scan finds are the best ones and it can stop at limit.
type hay struct {
	s      string
	starts []int32 // where each slot begins, and len(s) at the end
	docs   []int32 // the doc in each slot
}

// slot returns the slot holding byte at of s.
func (h *hay) slot(at int) int {
	i, found := slices.BinarySearch(h.starts, int32(at))
	if found {
		return i
	}
	return i - 1
}

// sep ends every slot of a hay. Normalize drops control characters and
// pinyin holds only letters and digits, so no query matches across it.
const sep = '\x00'

// New builds an index. It copies entries; later changes to them do not
// reach the index. Entries may share names; an empty name or alias is
// ignored.
func New(entries []Entry) *Index {
	ix := &Index{
		entries: make([]Entry, len(entries)),
		exact:   make(map[string][]int32, len(entries)),
		alias:   map[string][]int32{},
		runeID:  map[rune]int32{},
	}
	// Size the buffers up front: growing them dominated New's allocations.
	docs, bytes := 0, 0
	for _, e := range entries {
		docs += 1 + len(e.Aliases)
		bytes += len(e.Name)
		for _, a := range e.Aliases {
			bytes += len(a)
		}
	}
	ix.docs = make([]doc, 0, docs)
	ro := newRomaniser(bytes)
	var (
		texts   = make([]string, 0, docs)
		ids     = make([]int32, 0, bytes/3+docs) // rune ids of every doc's text, one doc after another
		idStart = make([]int32, 0, docs+1)       // where each doc's ids start in ids
		count   []int32                          // by rune id: how many docs hold it
		lastDoc []int32                          // by rune id: the last doc counted
		sylls   []string
		pyOf    = make([]span, 0, docs) // by doc: its pinyin in ro.py
		inOf    = make([]span, 0, docs) // by doc: its initials in ro.in
	)
	// Pass 1, in entry order: normal forms, rune ids, pinyin.
	for i, e := range entries {
		e.Aliases = slices.Clone(e.Aliases)
		ix.entries[i] = e
		first := len(texts)
		for j := -1; j < len(e.Aliases); j++ {
			s := e.Name
			if j >= 0 {
				s = e.Aliases[j]
			}
			n := Normalize(s)
			if n == "" || slices.Contains(texts[first:], n) {
				continue
			}
			d := int32(len(texts))
			texts = append(texts, n)
			idStart = append(idStart, int32(len(ids)))
			runes := 0
			for _, r := range n {
				id, ok := ix.runeID[r]
				if !ok {
					id = int32(len(sylls))
					ix.runeID[r] = id
					sylls = append(sylls, ro.syllable(r))
					count = append(count, 0)
					lastDoc = append(lastDoc, -1)
				}
				ids = append(ids, id)
				if lastDoc[id] != d {
					lastDoc[id] = d
					count[id]++
				}
				runes++
			}
			p, in := ro.romanise(n, ids[idStart[d]:], sylls)
			pyOf, inOf = append(pyOf, p), append(inOf, in)
			ix.docs = append(ix.docs, doc{entry: int32(i), alias: int32(j), runes: int32(runes)})
		}
	}
	idStart = append(idStart, int32(len(ids)))
	ro.finish()

	// Postings, sized exactly: one backing array, each rune its part.
	backing := make([]int32, 0, sum(count))
	ix.postings = make([][]int32, len(count))
	for id, c := range count {
		ix.postings[id] = backing[len(backing) : len(backing) : len(backing)+int(c)]
		backing = backing[:len(backing)+int(c)]
	}
	for d := range ix.docs {
		for _, id := range ids[idStart[d]:idStart[d+1]] {
			if ps := ix.postings[id]; len(ps) == 0 || ps[len(ps)-1] != int32(d) {
				ix.postings[id] = append(ps, int32(d))
			}
		}
	}

	// Pinyin matches start at a syllable; these are all the syllables.
	ix.tokens = make(map[string]bool, len(sylls)+len(ro.tokens))
	ix.prefixes = map[string]bool{}
	for _, set := range [][]string{sylls, slices.Collect(maps.Keys(ro.tokens))} {
		for _, t := range set {
			if t == "" || ix.tokens[t] {
				continue
			}
			ix.tokens[t] = true
			for k := 1; k <= len(t); k++ {
				ix.prefixes[t[:k]] = true
			}
		}
	}

	// Pass 2: the three hays in rank order.
	ix.rankDocs()
	ix.text = ix.layout(func(d int) int { return int(ix.docs[d].runes) }, func(d int) string { return texts[d] },
		func(d int, s span) { ix.docs[d].text = s })
	ix.py = ix.layout(func(d int) int { return pyOf[d].len() }, func(d int) string { return ro.py(pyOf[d]) },
		func(d int, s span) { ix.docs[d].py = s })
	ix.in = ix.layout(func(d int) int { return inOf[d].len() }, func(d int) string { return ro.in(inOf[d]) },
		func(d int, s span) { ix.docs[d].in = s })
	ix.syllable = make([]uint64, (len(ix.py.s)+63)/64)
	for d := range ix.docs {
		from, to := pyOf[d], ix.docs[d].py
		for k := range from.len() {
			if ro.syllableAt(int(from.start) + k) {
				setBit(ix.syllable, int(to.start)+k)
			}
		}
	}

	for d := range ix.docs {
		dd := &ix.docs[d]
		key := ix.text.s[dd.text.start:dd.text.end]
		if dd.alias < 0 {
			ix.exact[key] = append(ix.exact[key], dd.entry)
		} else {
			ix.alias[key] = append(ix.alias[key], dd.entry)
		}
	}
	byOrder := func(a, b int32) int {
		return cmp.Or(cmp.Compare(ix.entries[a].Order, ix.entries[b].Order), cmp.Compare(a, b))
	}
	for _, m := range []map[string][]int32{ix.exact, ix.alias} {
		for _, es := range m {
			slices.SortFunc(es, byOrder)
		}
	}
	return ix
}

// rankDocs sets ix.rank: the docs ordered by Entry.Order, then entry,
// then doc, the order hays use among docs of one size.
func (ix *Index) rankDocs() {
	order := make([]int32, len(ix.entries))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(ix.entries[a].Order, ix.entries[b].Order), cmp.Compare(a, b))
	})
	// Docs are in entry order: entry e's docs are first[e] to first[e+1].
	first := make([]int32, len(ix.entries)+1)
	for _, d := range ix.docs {
		first[d.entry+1]++
	}
	for e := range ix.entries {
		first[e+1] += first[e]
	}
	ix.rank = make([]int32, 0, len(ix.docs))
	for _, e := range order {
		for d := first[e]; d < first[e+1]; d++ {
			ix.rank = append(ix.rank, d)
		}
	}
}

// layout builds a hay of form(d) for every doc d, ordered by size, then
// by ix.rank, and tells place where each doc went.
func (ix *Index) layout(size func(int) int, form func(int) string, place func(int, span)) hay {
	// Sorting packed keys is much faster than sorting with a comparator:
	// size in the top 20 bits, position in ix.rank below.
	keys := make([]uint64, len(ix.rank))
	total := 0
	for i, d := range ix.rank {
		keys[i] = uint64(min(size(int(d)), 1<<20-1))<<44 | uint64(i)
		total += len(form(int(d))) + 1
	}
	slices.Sort(keys)
	var b strings.Builder
	b.Grow(total)
	h := hay{starts: make([]int32, 0, len(keys)+1), docs: make([]int32, len(keys))}
	for i, k := range keys {
		d := ix.rank[k&(1<<44-1)]
		h.docs[i] = d
		start := int32(b.Len())
		h.starts = append(h.starts, start)
		b.WriteString(form(int(d)))
		place(int(d), span{start, int32(b.Len())})
		b.WriteByte(sep)
	}
	h.starts = append(h.starts, int32(b.Len()))
	h.s = b.String()
	return h
}

func sum(xs []int32) int {
	n := 0
	for _, x := range xs {
		n += int(x)
	}
	return n
}

func setBit(bits []uint64, i int)   { bits[i/64] |= 1 << (i % 64) }
func bit(bits []uint64, i int) bool { return bits[i/64]&(1<<(i%64)) != 0 }
