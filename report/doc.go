// Package report renders xuexibot's summaries: the progress summary that
// /summary, the weekly 通报 and the web dashboard all show, the list of
// lagging schools in the notice's own shape, and deadline countdowns.
//
// # Reading
//
// A summary reads the backend's Counters and the two ends of the rank
// index, never every org, so it costs the same for 124 schools or 3000.
// Its changes are the newest MaxChanges+1 accepted ones (store Latest),
// never the whole window, so a big import does not slow it down; past
// the cap it says 超过 200 条 rather than counting them all.
// A lagging list reads the pending indexes, which hold only the schools
// that have not finished.
//
// # Rankings
//
// The 红黑榜 ranks schools, never people (Hunan banned per-person 积分排名).
// Schools with equal store.RankScore tie and are listed together: a list of
// the best N grows while the N-th school's score repeats, up to MaxTied
// names. Rankings are numbered lists because DingTalk's markdown has no
// tables.
//
// # Markdown
//
// Markdown stays within DingTalk's subset: headings, bold, quotes and
// lists. SplitMarkdown cuts long text at line boundaries below a byte limit.
package report
