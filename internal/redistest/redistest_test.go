package redistest_test

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"xuexibot/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func TestServerAndPrefix(t *testing.T) {
	ctx := context.Background()
	addr := redistest.Server(t)
	if again := redistest.Server(t); again != addr {
		t.Fatalf("Server not shared: %s then %s", addr, again)
	}
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	var key string
	t.Run("sub", func(t *testing.T) {
		p1, p2 := redistest.Prefix(t), redistest.Prefix(t)
		if p1 == p2 || strings.ContainsAny(p1, "{}*?[]: ") {
			t.Fatalf("prefixes %q %q: want distinct and safe", p1, p2)
		}
		key = "{" + p1 + "}:k"
		if err := c.Set(ctx, key, "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	// The sub-test's cleanup has deleted its keys.
	if n, err := c.Exists(ctx, key).Result(); err != nil || n != 0 {
		t.Fatalf("key %s left after test: n=%d err=%v", key, n, err)
	}
}

func TestCluster(t *testing.T) {
	ctx := context.Background()
	addrs := redistest.Cluster(t)
	if len(addrs) != 3 {
		t.Fatalf("cluster has %d nodes, want 3", len(addrs))
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs})
	defer c.Close()
	p := redistest.Prefix(t)
	// A MULTI/EXEC over keys sharing one hash tag works on the cluster.
	_, err := c.TxPipelined(ctx, func(pipe redis.Pipeliner) error {
		pipe.Set(ctx, "{"+p+"}:a", "1", 0)
		pipe.Set(ctx, "{"+p+"}:b", "2", 0)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var masters atomic.Int32
	err = c.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		masters.Add(1)
		return nil
	})
	if err != nil || masters.Load() != 3 {
		t.Fatalf("masters=%d err=%v", masters.Load(), err)
	}
}

func TestProcStopStart(t *testing.T) {
	ctx := context.Background()
	p := redistest.Start(t)
	c := redis.NewClient(&redis.Options{Addr: p.Addr(), DialTimeout: 500 * time.Millisecond, MaxRetries: -1})
	defer c.Close()
	if err := c.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatal(err)
	}
	p.Stop(t)
	if err := c.Ping(ctx).Err(); err == nil {
		t.Fatal("PING answered while the server is stopped")
	}
	p.Start(t)
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("PING after restart: %v", err)
	}
	if n, _ := c.Exists(ctx, "k").Result(); n != 0 {
		t.Fatal("a restarted server kept data; it should start empty")
	}
}
