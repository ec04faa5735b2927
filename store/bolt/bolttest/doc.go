// Package bolttest opens real embedded stores for other packages' tests,
// like net/http/httptest: a bbolt file in the test's temporary directory,
// holding the 2019-03-07 notice's seed, closed when the test ends.
package bolttest
