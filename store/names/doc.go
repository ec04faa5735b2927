// Package names resolves what people type to learning-organisation nodes in
// one call: exact names, aliases, fragments, pinyin and pinyin initials, and
// as a last resort fuzzy matches, after normalising full-width characters,
// spaces and case.
//
// # Normalisation
//
// [Normalize] folds full-width ASCII (ＡＢＣ１２３, （）) to half-width, drops
// white space (including the ideographic space U+3000), control and format
// characters (zero-width spaces), and lowercases. Names, aliases and queries
// all pass through it, so "湖南警察学院　" and "湖南警察学院" are the same.
//
// # Kinds of match
//
// [Index.Lookup] tries, best first:
//
//   - Exact: the query is an entry's name. A map hit.
//   - Alias: the query is one of an entry's aliases (湖南工商大学 for
//     湖南商学院). A map hit.
//   - Fragment: the query is part of a name or alias (警察学院). Queries of
//     one character never match as fragments: 湖 is in half the names.
//   - Pinyin: an all-ASCII query is part of a name's pinyin, starting at a
//     syllable (jingcha, hunanjingchaxueyuan).
//   - Initials: an all-ASCII query is part of the pinyin initials (jcxy).
//   - Fuzzy: only when nothing above matched. The query's characters appear
//     in order in a name (湘大 → 湘潭大学; 湖南吉利汽车职业学院 →
//     湖南吉利汽车职业技术学院), or a long query is one or two edits away
//     from a name.
//
// Lookup returns the first tier that finds anything: exact and alias
// matches, which are map hits and stop there (湖南工业大学 does not also
// list 湖南工业大学科技学院); else fragment, pinyin and initials matches
// together; else fuzzy matches. Candidates are ordered by kind, then by how
// much of the name the query covers (so shorter names first), then by
// [Entry.Order]; [Match.Score] holds the kind and the coverage, higher is
// better. Each entry appears at most once, under its best kind. Fuzzy
// edits are allowed for queries of 4 characters or more: one edit, two
// from 8 characters.
//
// [Index.Nearest] answers "did you mean" when Lookup found nothing: it ranks
// names by edit distance of the query to the closest part of the name, then
// to the whole name, then by characters shared. All-ASCII queries are also
// compared with the names' pinyin, so a mistyped "jingca" still finds
// 湖南警察学院.
//
// # Pinyin
//
// Pinyin comes from github.com/mozillazg/go-pinyin in its Normal style
// (no tones, ü written v: 女 → nv); initials are the first letters of the
// syllables. A 多音字 takes go-pinyin's default reading, except in a few
// place names whose reading differs (长沙 changsha, 重庆 chongqing, 厦门
// xiamen). Characters that are not Han keep their normalised form as one
// token, so 湖南IT学院 reads hunanitxueyuan and its initials are hnitxy.
//
// # Cost
//
// New precomputes the normalised names, their pinyin and initials, and an
// index from every character to the names that hold it. Each of the three
// forms is joined into one string laid out in rank order (shorter first,
// then [Entry.Order]), so a substring search finds the best matches first
// and stops at the limit. Exact and alias lookups are map hits. A fragment
// with a rare character checks only the names holding it; other fragments,
// pinyin and initials are one substring search of the joined string, and a
// query that is not a run of known syllables skips the pinyin search. Fuzzy
// matches check only the names holding the query's rarest characters.
// Nearest counts shared characters through the character index before it
// computes any edit distance, but compares an all-ASCII query with every
// name's pinyin (bit-parallel, tens of milliseconds at 100,000 names). An
// Index is immutable and safe for concurrent use.
package names
