// Package redis is xuexibot's production store.Backend on Redis, built on
// redis.UniversalClient so that one server, Sentinel or a Cluster all work.
//
// # Keys
//
// Every key carries the hash tag {prefix} (default {xuexibot}):
//
//	{p}:org:<id>        STRING  the org as JSON
//	{p}:names           HASH    id -> names.Entry JSON, for the name index
//	{p}:names:gen       STRING  bumped whenever a name, alias, level or order changes
//	{p}:byname          HASH    normalised name or alias -> ids ("\n"-joined)
//	{p}:counters        HASH    store.Counters, moved by HINCRBY on every write
//	{p}:ix:<index>      ZSET    store.Indexes, member id, score from Indexes
//	{p}:milestones      HASH    id -> milestone JSON
//	{p}:audit           STREAM  every change, for Changes and Latest
//	{p}:audit:<id>      STREAM  one org's changes (same entry ids), for History
//	{p}:claim:<key>     STRING  Claims, SET NX PX
//	{p}:out:msg         HASH    outbox: id -> OutMsg JSON
//	{p}:out:meta        HASH    outbox: id -> job "\n" tick (ms), to supersede older ticks
//	{p}:out:due         ZSET    outbox: id by NextTry (ms)
//	{p}:seedlock        STRING  held by the replica that seeds
//
// # Why one hash tag
//
// A write moves an org, its counters, its indexes, the name index and two
// audit streams together, in one MULTI/EXEC under WATCH. On a Cluster,
// MULTI/EXEC and Lua only work on keys of one slot, so every key shares the
// tag and the whole registry lives on one master. That is deliberate: a
// country's 100,000 orgs with their audit fit one node many times over, and
// the Cluster is there for availability (failover to a replica), not for
// sharding. Two registries on one Cluster (another prefix) land on
// different slots.
//
// # Writes
//
// Update and Put are optimistic: WATCH the org keys, read, compute the
// change with the pure functions of package store (Diff, Contribution,
// Indexes), then MULTI/EXEC. When another writer got in between, EXEC
// fails and the write is retried with a small jittered back-off, up to 200
// times, so many writers on one org all succeed. The audit append is a
// small Lua script inside the same MULTI: it gives the entry one id in both
// streams, at least the change's time in milliseconds and above the last id,
// so Changes(since) can start its XRANGE at since, and Latest(since) its
// XREVRANGE at the end, reading down towards since in batches of twice its
// limit until it has limit changes (one round trip unless a run of
// refusals has to be skipped).
//
// Seed writes in pipelined MULTI/EXEC chunks under a SET NX lock, so two
// replicas starting together seed once. The {p}:ix:all index and the
// counters are written last, in one MULTI, so a seed that dies half way
// leaves a registry that still counts as empty and is seeded again.
//
// # Name resolution
//
// An exact name or alias costs at most two round trips: the names
// generation and the byname entry in one pipeline, then the org (with the
// name list, when another replica renamed something since this one last
// looked). Anything else is answered by a names.Index held in a
// store.NameCache, rebuilt from {p}:names when the generation moves.
//
// # Outages
//
// Open sets short timeouts (2 s to dial, read and write; one retry), so a
// call fails within seconds while Redis is away, with a *store.Error of
// code store.EUnavailable in its chain carrying a Chinese message; the
// client's pool reconnects by itself when Redis returns.
package redis
