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
// milestones, refusals, the audit trail and its pagination, the newest
// changes of a window (Latest) with refusals left out or kept, claims with a
// TTL, the outbox, and, after many mixed writes, that the kept Counters and
// indexes equal what store.Recount and store.Indexes compute from scratch.
//
// # What the suite reads into the contract
//
// Where store.Registry leaves a detail open, the suite expects:
//
//   - Changes(since, 0) returns every change; a positive limit the oldest ones.
//     Changes are ordered and selected by when they were recorded, so their
//     ids increase in that order.
//   - A Change's At is the Meta's At when one is given, else the backend's clock.
//   - Latest(since, limit, withRefused) is Changes(since, 0) reversed, without
//     refusals unless withRefused, cut to limit; a limit that is not positive
//     is an error with Code store.EInvalid, and returns no changes.
//   - Within one score an index orders by id; Desc reverses the whole order.
//     Count of an unknown index is 0; an Offset past the end gives no orgs.
//   - History of an unknown org is empty, not an error.
//   - An Update that changes the ID or Order is refused or ignored; either way
//     the stored org keeps both. A rename's Change carries the new OrgName.
//   - Put of an org equal to the stored one (apart from UpdatedAt/UpdatedBy)
//     writes and audits nothing; Put(nil) is a no-op.
//   - SetMilestone adds exactly one Change with no OrgID, naming store.FieldDue
//     among its fields when the due time moved.
//   - Refuse assigns the Change an ID and, when empty, an At.
//   - Lease treats a zero NextTry as due and returns the messages with their
//     new NextTry; Retry's lastErr is returned by the next Lease; Done of a
//     missing message is nil.
//
// # Invalid orgs
//
// Put rejects a batch, writing nothing, with a *store.Error of Code
// store.EInvalid when any org has an empty ID or name, or is a university
// (level 3) whose Category is not one of store.Categories().
package storetest
