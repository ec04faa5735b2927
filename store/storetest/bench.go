package storetest

import (
	"fmt"
	"strconv"
	"testing"
	"time"

	"xuexibot/store"
)

// BenchSizes are the registry sizes Bench measures: today's province and a
// whole country's universities with their branches.
var BenchSizes = []int{124, 100000}

// Bench measures the operations a chat command costs, at each of
// BenchSizes. open returns a backend already holding n orgs, typically by
// Seed(SyntheticSeed(n)); it is called once per size, and the caller
// registers cleanup with b.Cleanup. Sub-benchmarks are named n=<n>/<op>:
//
//   - exact: Resolve of an exact name
//   - fragment: Resolve of a fragment (警察学院)
//   - markdone: Update toggling a milestone, with its audit record
//   - summary: Counters plus the top and bottom 10 of IndexRank
//   - latest: Latest(a week ago, 20, without refusals), the changes of
//     /summary and the weekly report, over a log whose newest end holds
//     as many refusals as changes
//   - audit: Refuse, an audit append alone
func Bench(b *testing.B, open func(b *testing.B, n int) store.Backend) {
	for _, n := range BenchSizes {
		b.Run("n="+strconv.Itoa(n), func(b *testing.B) {
			be := open(b, n)
			orgs, err := be.Orgs(ctx, store.Query{Index: store.IndexScope})
			if err != nil || len(orgs) == 0 {
				b.Fatalf("Orgs(scope) = %d, %v", len(orgs), err)
			}
			// The first Resolve builds the name index; a process pays that
			// once, so it is reported, not averaged into the lookups.
			start := time.Now()
			if _, err := be.Resolve(ctx, orgs[0].Name); err != nil {
				b.Fatal(err)
			}
			b.Logf("n=%d: first Resolve (builds the name index) took %v", n, time.Since(start))
			b.Run("exact", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					o := orgs[i%len(orgs)]
					r, err := be.Resolve(ctx, o.Name)
					if err != nil {
						b.Fatal(err)
					}
					if r.Org == nil || r.Org.ID != o.ID {
						b.Fatalf("Resolve(%s) = %+v", o.Name, r.Matches)
					}
				}
			})
			b.Run("fragment", func(b *testing.B) {
				for b.Loop() {
					r, err := be.Resolve(ctx, "警察学院")
					if err != nil {
						b.Fatal(err)
					}
					if len(r.Matches) == 0 {
						b.Fatalf("Resolve(警察学院) found nothing")
					}
				}
			})
			b.Run("markdone", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					o := orgs[(i*7919)%len(orgs)]
					meta := store.Meta{Actor: tester, Command: "/done " + o.Name + " 认证"}
					if _, err := be.Update(ctx, o.ID, meta, func(o *store.Org) error {
						setProgress(o, store.MilestoneCertify, store.Progress{Done: !o.Done(store.MilestoneCertify), By: tester})
						return nil
					}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("summary", func(b *testing.B) {
				for b.Loop() {
					c, err := be.Counters(ctx)
					if err != nil || len(c) == 0 {
						b.Fatalf("Counters = %v, %v", c, err)
					}
					for _, desc := range []bool{false, true} {
						top, err := be.Orgs(ctx, store.Query{Index: store.IndexRank, Limit: 10, Desc: desc})
						if err != nil || len(top) != min(10, len(orgs)) {
							b.Fatalf("Orgs(rank) = %d, %v", len(top), err)
						}
					}
				}
			})
			b.Run("latest", func(b *testing.B) {
				// Setup, not timed: the newest 40 records alternate a
				// change and a refusal, so Latest skips 20 refusals.
				for i := range 20 {
					o := orgs[i%len(orgs)]
					if _, err := be.Update(ctx, o.ID, store.Meta{Actor: tester, Command: "/set " + o.Name}, func(o *store.Org) error {
						o.Members++
						return nil
					}); err != nil {
						b.Fatal(err)
					}
					if err := be.Refuse(ctx, store.Change{Actor: tester, Command: "/set " + o.Name, OrgID: o.ID, Reason: "不是管理员"}); err != nil {
						b.Fatal(err)
					}
				}
				since := time.Now().Add(-7 * 24 * time.Hour)
				for b.Loop() {
					got, err := be.Latest(ctx, since, 20, false)
					if err != nil || len(got) != 20 || got[0].Refused {
						b.Fatalf("Latest = %d changes, %v", len(got), err)
					}
				}
			})
			b.Run("audit", func(b *testing.B) {
				for i := 0; b.Loop(); i++ {
					o := orgs[i%len(orgs)]
					if err := be.Refuse(ctx, store.Change{Actor: tester, Command: fmt.Sprintf("/done %s", o.Name), OrgID: o.ID, OrgName: o.Name, Reason: "不是管理员"}); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
