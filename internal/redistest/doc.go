// Package redistest starts throwaway Redis servers for tests, like
// net/http/httptest starts HTTP servers.
//
// # Servers
//
// Server returns the address of a single redis-server and Cluster the
// addresses of a 3-master Redis Cluster. Both are shared by every test of one
// test binary: starting a server costs tens of milliseconds, a cluster about a
// second, and a suite of hundreds of tests must stay fast. Tests keep apart
// by key prefix: Prefix returns one unique to the test (and to the process,
// since `go test ./...` runs packages in parallel against the same external
// server) and deletes its keys when the test ends.
//
// When XUEXIBOT_TEST_REDIS ("host:port") or XUEXIBOT_TEST_REDIS_CLUSTER
// ("a:p1,b:p2,c:p3") is set, as the README's test command scripts/test.sh
// does, those servers are used instead of starting new ones. Otherwise redis-server (and
// redis-cli, for the cluster) must be on PATH; when neither holds the test
// fails, naming what to install. It never skips: a skipped Redis test would
// hide missing work.
//
// # Lifetime of shared servers
//
// The shared servers are started lazily, once per test binary, and are kept
// in package state. That is the one exception to the house rule against
// package-level mutable state, acceptable because this package only ever
// runs inside a test binary. A test package that calls Main from its
// TestMain stops them and removes their files after m.Run. Without Main they
// still never outlive the test binary: they are started with a parent-death
// signal (Linux), so the kernel kills them when the test process exits.
//
// # Outages
//
// Start returns a dedicated server (a Proc) that a test may Stop and Start
// again on the same port, to check that a client fails fast while Redis is
// down and recovers by itself when it returns.
package redistest
