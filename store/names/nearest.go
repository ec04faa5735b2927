package names

import "slices"

// Nearest returns up to n entries whose names are closest to q, for
// "did you mean" when Lookup finds nothing. It ranks by the edit distance
// from q to the closest part of a name or alias, then to the whole of it,
// then by how many of q's characters they share, then by Entry.Order.
// An all-ASCII q is also compared with the pinyin and initials of every
// name. Matches have Kind Fuzzy and a Score in (0, 1]. Names sharing no
// character with q, and pinyin sharing less than half of it, are left out.
func (ix *Index) Nearest(q string, n int) []Match {
	nq := Normalize(q)
	if nq == "" || n <= 0 {
		return nil
	}
	qr := []rune(nq)
	if len(qr) > maxFuzzy {
		qr = qr[:maxFuzzy]
	}
	m := len(qr)
	// Candidates carry their rank key in score, so topK orders them.
	key := func(sub, full, shared int) float64 {
		k := sub<<20 | min(full, 1023)<<10 | (1023 - min(shared, 1023))
		return 1 - float64(k)/float64((m+1)<<20)
	}
	var found []cand

	// Names: preselect by characters shared, then measure.
	counts, _ := ix.shared(qr)
	pre := &topK{k: max(8*n, 64), better: ix.better}
	for d, c := range counts {
		if c > 0 {
			dd := &ix.docs[d]
			pre.offer(cand{entry: dd.entry, doc: int32(d), score: float64(c) - float64(abs(int(dd.runes)-m))/1e4})
		}
	}
	var buf []rune
	for _, c := range pre.sorted() {
		dd := &ix.docs[c.doc]
		buf = appendRunes(buf[:0], ix.text.s[dd.text.start:dd.text.end])
		sub := searchDistance(qr, buf)
		if sub >= m {
			continue
		}
		c.score = key(sub, levenshtein(qr, buf, -1), int(counts[c.doc]))
		found = append(found, c)
	}

	// Pinyin and initials: a bit-parallel scan of every doc.
	if ascii(nq) && len(nq) >= 2 {
		p := newPattern(nq[:m])
		t := &topK{k: n, better: ix.better}
		for d := range ix.docs {
			dd := &ix.docs[d]
			py := ix.py.s[dd.py.start:dd.py.end]
			in := ix.in.s[dd.in.start:dd.in.end]
			sub := min(p.distance(py, true), p.distance(in, true))
			if 2*sub > m {
				continue
			}
			if w, full := t.worst(); full && key(sub, 0, 0) < w.score {
				continue // cannot make the list: spare the second pass
			}
			full := min(p.distance(py, false), p.distance(in, false))
			t.offer(cand{entry: dd.entry, doc: int32(d), score: key(sub, full, 0)})
		}
		found = append(found, t.sorted()...)
	}

	slices.SortFunc(found, func(a, b cand) int {
		switch {
		case ix.better(a, b):
			return -1
		case ix.better(b, a):
			return 1
		}
		return 0
	})
	var out []Match
	seen := map[int32]bool{}
	for _, c := range found {
		if len(out) == n {
			break
		}
		if seen[c.entry] {
			continue
		}
		seen[c.entry] = true
		e := &ix.entries[c.entry]
		mt := Match{ID: e.ID, Name: e.Name, Kind: Fuzzy, Score: c.score, Matched: e.Name}
		if a := ix.docs[c.doc].alias; a >= 0 {
			mt.Matched = e.Aliases[a]
		}
		out = append(out, mt)
	}
	return out
}

// levenshtein returns the edit distance between a and b, or maxd+1 as soon
// as it must exceed maxd (maxd < 0: no bound).
func levenshtein(a, b []rune, maxd int) int {
	if maxd >= 0 && abs(len(a)-len(b)) > maxd {
		return maxd + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		low := cur[0]
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c = 1 + min(prev[j-1], prev[j], cur[j-1])
			}
			cur[j] = c
			low = min(low, c)
		}
		if maxd >= 0 && low > maxd {
			return maxd + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// searchDistance returns the least edit distance between p and any
// substring of t (Sellers' algorithm).
func searchDistance(p, t []rune) int {
	col := make([]int, len(p)+1)
	for i := range col {
		col[i] = i
	}
	best := col[len(p)]
	for _, r := range t {
		diag := col[0] // the row above stays 0: a match may start anywhere
		for i := 1; i <= len(p); i++ {
			c := diag
			if p[i-1] != r {
				c = 1 + min(diag, col[i], col[i-1])
			}
			diag, col[i] = col[i], c
		}
		best = min(best, col[len(p)])
	}
	return best
}

// pattern is an ASCII pattern of at most 64 bytes prepared for Myers'
// bit-parallel edit distance, which costs a few word operations per byte
// of text whatever the pattern's length.
type pattern struct {
	peq [256]uint64
	m   int
}

func newPattern(s string) *pattern {
	p := &pattern{m: len(s)}
	for i := 0; i < len(s); i++ {
		p.peq[s[i]] |= 1 << i
	}
	return p
}

// distance returns the edit distance from the pattern to t, or with search
// to the closest substring of t.
func (p *pattern) distance(t string, search bool) int {
	pv, mv := ^uint64(0), uint64(0)
	high := uint64(1) << (p.m - 1)
	score := p.m
	best := score
	for i := 0; i < len(t); i++ {
		eq := p.peq[t[i]]
		xv := eq | mv
		xh := (((eq & pv) + pv) ^ pv) | eq
		ph := mv | ^(xh | pv)
		mh := pv & xh
		if ph&high != 0 {
			score++
		} else if mh&high != 0 {
			score--
		}
		ph <<= 1
		mh <<= 1
		if !search {
			ph |= 1 // the row above grows by one per text byte
		}
		pv = mh | ^(xv | ph)
		mv = ph & xv
		best = min(best, score)
	}
	if search {
		return best
	}
	return score
}
