// Package store holds xuexibot's domain: the tree of learning-organisation
// nodes (Org), the notice's milestones (Milestone), per-org progress, the
// audit trail (Change) and the aggregates a summary reads. It also defines
// the contract every backend fulfils (Registry, Claims, Outbox) and the seed
// compiled from the 2019-03-07 notice.
//
// # Backends
//
// store/bolt is the embedded single-node store; store/redis is the production
// backend for one server, Sentinel or a Cluster. Both pass the one
// conformance suite in store/storetest.
//
// # Aggregates and indexes
//
// A backend never computes a summary by scanning orgs. On every write it
// applies Contribution(after) - Contribution(before) to its Counters and moves
// the org between the sorted indexes named by Indexes, inside the same
// transaction as the write. Both functions are pure and live here, so the two
// backends cannot disagree about what is counted.
package store
