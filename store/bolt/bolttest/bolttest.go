package bolttest

import (
	"context"
	"path/filepath"
	"testing"

	"xuexibot/store"
	"xuexibot/store/bolt"
)

// Seeded returns a new store with store.DefaultSeed loaded. It fails the
// test if the store cannot be opened or seeded.
func Seeded(tb testing.TB, opts ...bolt.Option) *bolt.Store {
	tb.Helper()
	st, err := bolt.Open(filepath.Join(tb.TempDir(), "xuexibot.db"), opts...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { st.Close() })
	seed, err := store.DefaultSeed()
	if err != nil {
		tb.Fatal(err)
	}
	if ok, err := st.Seed(context.Background(), seed); err != nil || !ok {
		tb.Fatalf("seed: seeded %v, err %v", ok, err)
	}
	return st
}
