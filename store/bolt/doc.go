// Package bolt is the embedded store.Backend: one go.etcd.io/bbolt file,
// the default when no Redis is configured.
//
// Every write is one bbolt transaction that stores the org, applies its
// store.Contribution to the counters, moves it between the sorted indexes
// named by store.Indexes and appends its audit record, so a crash leaves
// either all of it or none. bbolt serialises writers, so Update's fn runs
// exactly once per call.
//
// # Layout
//
//	orgs           id -> Org JSON
//	names          id -> names.Entry JSON, read to rebuild the name index
//	milestones     id -> Milestone JSON
//	counters       key -> int64 (store.Counters)
//	ix/<index>     score(8, sortable) + id -> nothing, in index order
//	ixr/<index>    id -> score(8), to find an org's old entry
//	ixn            index -> member count
//	changes        recorded-at(8) + seq(8) -> Change JSON (the global log)
//	history        org id + 0x00 + seq(8) -> key in changes
//	outbox         id -> OutMsg JSON
//	meta           "namesgen" -> generation of the names bucket
//
// Change ids are the zero-padded sequence, so later changes sort after
// earlier ones; History's cursor is the id of the last change returned.
// Changes(since) selects by the time a change was recorded (the store's
// clock, never running backwards within one file), which is its At unless
// the Meta gave another time. Latest(since) selects the same way, walking
// the log backwards from its last key, so it reads the changes it returns
// and the refusals it skips, whatever the window's length.
//
// # Names
//
// Resolve keeps a store.NameCache; any write that adds an org or changes a
// name, alias, level or order bumps the names generation in the same
// transaction, so the next Resolve rebuilds the index from the names bucket.
//
// # Claims
//
// Claims live in the file, with their expiry, so a reminder tick claimed
// before a restart is not sent again by the catch-up after it. Each claim
// is a commit; main therefore dedupes message ids in memory on this store
// (one process owns the file) and uses these durable claims for ticks.
// Open fails after a second (WithLockTimeout) when another process holds
// the file, and says so.
package bolt
