// Package names resolves what people type to learning-organisation nodes:
// exact names, aliases, fragments, pinyin and pinyin initials, after
// normalising full-width characters and spaces.
package names

// PLACEHOLDER: the API below is fixed; the implementation is being written.

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
}

// Index answers queries over a fixed set of entries. Safe for concurrent reads.
type Index struct{ entries []Entry }

// New builds an index.
func New(entries []Entry) *Index { return &Index{entries: entries} }

// Normalize folds full-width forms to half-width, drops spaces, and lowercases.
func Normalize(s string) string { return s }

// Lookup returns the candidates for q, best first, at most limit (0: 10).
func (ix *Index) Lookup(q string, limit int) []Match { return nil }

// Nearest returns up to n entries whose names are closest to q, for
// "did you mean" when Lookup finds nothing.
func (ix *Index) Nearest(q string, n int) []Match { return nil }
