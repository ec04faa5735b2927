package names

import "slices"

// cand is a candidate entry, found through one of its docs (-1: through a
// map hit, not a doc).
type cand struct {
	entry, doc int32
	score      float64
}

// topK keeps the k best candidates offered, one per entry. Offers for the
// same entry must come one after another (docs of an entry are adjacent in
// every scan), so no set of seen entries is needed.
type topK struct {
	k      int
	better func(a, b cand) bool
	skip   map[int32]bool // entries to ignore

	heap []cand // worst at heap[0]
	last cand
	has  bool
}

func (t *topK) offer(c cand) {
	if t.k <= 0 || t.skip[c.entry] {
		return
	}
	if t.has && t.last.entry == c.entry {
		if t.better(c, t.last) {
			t.last = c
		}
		return
	}
	t.flush()
	t.last, t.has = c, true
}

func (t *topK) flush() {
	if !t.has {
		return
	}
	t.has = false
	c := t.last
	if len(t.heap) < t.k {
		t.heap = append(t.heap, c)
		t.up(len(t.heap) - 1)
		return
	}
	if t.better(c, t.heap[0]) {
		t.heap[0] = c
		t.down(0)
	}
}

// worse is the heap order: the worst candidate rises to the root.
func (t *topK) worse(i, j int) bool { return t.better(t.heap[j], t.heap[i]) }

func (t *topK) up(i int) {
	for i > 0 {
		p := (i - 1) / 2
		if !t.worse(i, p) {
			return
		}
		t.heap[i], t.heap[p] = t.heap[p], t.heap[i]
		i = p
	}
}

func (t *topK) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(t.heap) {
			return
		}
		w := l
		if r := l + 1; r < len(t.heap) && t.worse(r, l) {
			w = r
		}
		if !t.worse(w, i) {
			return
		}
		t.heap[i], t.heap[w] = t.heap[w], t.heap[i]
		i = w
	}
}

// sorted returns the kept candidates, best first.
func (t *topK) sorted() []cand {
	t.flush()
	out := slices.Clone(t.heap)
	slices.SortFunc(out, func(a, b cand) int {
		switch {
		case t.better(a, b):
			return -1
		case t.better(b, a):
			return 1
		}
		return 0
	})
	return out
}

// worst returns the worst candidate kept, and whether k are kept.
func (t *topK) worst() (cand, bool) {
	if len(t.heap) < t.k || len(t.heap) == 0 {
		return cand{}, false
	}
	return t.heap[0], true
}
