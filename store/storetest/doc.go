// Package storetest is the one conformance suite every store.Backend passes,
// table-driven in the manner of testing/slogtest.
//
// A backend's test calls Run with a function that opens a fresh, empty
// backend for each subtest, and Bench with one that opens a backend already
// holding n orgs (SyntheticSeed builds such a seed). Every subtest reports
// each failure it finds with t.Errorf, so one run shows them all.
//
// # What is checked
//
// Seeding from the notice, lookups and name resolution, Update's atomicity
// (a failing or no-op fn writes nothing; a change writes the org, its
// aggregates, its indexes and one audit record together), 16 concurrent
// writers on one university losing nothing, Put's all-or-nothing validation,
// milestones, refusals, the audit trail and its pagination, claims with a
// TTL, the outbox, and, after many mixed writes, that the kept Counters and
// indexes equal what store.Recount and store.Indexes compute from scratch.
//
// # Invalid orgs
//
// Put rejects a batch, writing nothing, with a *store.Error of Code
// store.EInvalid when any org has an empty ID or name, or is a university
// (level 3) whose Category is not one of store.Categories.
package storetest
