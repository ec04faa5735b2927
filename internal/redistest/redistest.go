package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Environment variables naming servers started outside the test binary.
const (
	EnvServer  = "XUEXIBOT_TEST_REDIS"         // "host:port"
	EnvCluster = "XUEXIBOT_TEST_REDIS_CLUSTER" // "host:port,host:port,host:port"
)

// startTimeout bounds how long a server or cluster may take to answer.
const startTimeout = 20 * time.Second

// shared holds the servers of this test binary; see the package comment.
var shared struct {
	server struct {
		once sync.Once
		addr string
		proc *Proc
		err  error
	}
	cluster struct {
		once  sync.Once
		addrs []string
		procs []*Proc
		err   error
	}
	seq atomic.Int64
}

// Main runs the tests and then stops the shared servers this binary started.
// Call it from TestMain:
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	StopShared()
	os.Exit(code)
}

// StopShared stops the shared servers this binary started, if any. Main calls
// it; a TestMain that needs more control may call it itself after m.Run.
func StopShared() {
	if p := shared.server.proc; p != nil {
		p.stop()
		os.RemoveAll(p.dir)
	}
	for _, p := range shared.cluster.procs {
		p.stop()
		os.RemoveAll(p.dir)
	}
}

// Server returns the "host:port" of a ready redis-server shared by the test
// binary: the one named by XUEXIBOT_TEST_REDIS, else one started on a free
// loopback port. Use Prefix to keep a test's keys apart.
func Server(tb testing.TB) string {
	tb.Helper()
	s := &shared.server
	s.once.Do(func() {
		if env := strings.TrimSpace(os.Getenv(EnvServer)); env != "" {
			s.addr, s.err = env, waitPing([]string{env}, 5*time.Second)
			if s.err != nil {
				s.err = fmt.Errorf("%s=%s does not answer: %w", EnvServer, env, s.err)
			}
			return
		}
		dir, err := os.MkdirTemp("", "redistest-")
		if err != nil {
			s.err = err
			return
		}
		s.proc, s.err = startProc(dir, nil)
		if s.err == nil {
			s.addr = s.proc.Addr()
		}
	})
	if s.err != nil {
		tb.Fatalf("redistest: shared redis-server: %v", s.err)
	}
	return s.addr
}

// URL returns a redis:// URL of the shared server (see Server).
func URL(tb testing.TB) string {
	tb.Helper()
	return "redis://" + Server(tb) + "/0"
}

// Cluster returns the addresses of a ready 3-master Redis Cluster shared by
// the test binary: the one named by XUEXIBOT_TEST_REDIS_CLUSTER, else one
// started on loopback with redis-cli --cluster create. Use Prefix to keep a
// test's keys apart.
func Cluster(tb testing.TB) []string {
	tb.Helper()
	c := &shared.cluster
	c.once.Do(func() {
		if env := strings.TrimSpace(os.Getenv(EnvCluster)); env != "" {
			for _, a := range strings.Split(env, ",") {
				if a = strings.TrimSpace(a); a != "" {
					c.addrs = append(c.addrs, a)
				}
			}
			c.err = waitClusterOK(c.addrs, 5*time.Second)
			if c.err != nil {
				c.err = fmt.Errorf("%s=%s: %w", EnvCluster, env, c.err)
			}
			return
		}
		c.procs, c.err = startCluster(3)
		for _, p := range c.procs {
			c.addrs = append(c.addrs, p.Addr())
		}
	})
	if c.err != nil {
		tb.Fatalf("redistest: shared redis cluster: %v", c.err)
	}
	return append([]string(nil), c.addrs...)
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9]+`)

// Prefix returns a key prefix unique to this test and process, made only of
// letters, digits and '-', so it is safe inside a hash tag and a SCAN
// pattern. When the test ends, keys containing it are deleted from the shared
// single server and cluster (whichever this binary has used).
func Prefix(tb testing.TB) string {
	tb.Helper()
	name := unsafeName.ReplaceAllString(tb.Name(), "-")
	if len(name) > 24 {
		name = name[len(name)-24:]
	}
	p := fmt.Sprintf("xt%d-%d-%s", os.Getpid(), shared.seq.Add(1), strings.Trim(name, "-"))
	tb.Cleanup(func() { dropKeys(p) })
	return p
}

// dropKeys deletes every key containing p from the shared servers in use.
// It is best effort: a test that stopped a server has nothing left to clean.
func dropKeys(p string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	match := "*" + p + "*"
	drop := func(ctx context.Context, c *redis.Client) error {
		it := c.Scan(ctx, 0, match, 1000).Iterator()
		var keys []string
		for it.Next(ctx) {
			keys = append(keys, it.Val())
		}
		for _, k := range keys { // one by one: keys may hash to different slots
			c.Unlink(ctx, k)
		}
		return it.Err()
	}
	if shared.server.err == nil && shared.server.addr != "" {
		c := redis.NewClient(&redis.Options{Addr: shared.server.addr, DialTimeout: time.Second, MaxRetries: -1})
		drop(ctx, c)
		c.Close()
	}
	if shared.cluster.err == nil && len(shared.cluster.addrs) > 0 {
		c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: shared.cluster.addrs, DialTimeout: time.Second})
		c.ForEachMaster(ctx, drop)
		c.Close()
	}
}

// Proc is one redis-server this package started. A test may Stop it to cause
// an outage and Start it again on the same port; it is empty afterwards,
// since it keeps no data on disk.
type Proc struct {
	dir   string
	port  int
	extra []string

	mu   sync.Mutex
	proc *os.Process   // nil while stopped
	done chan struct{} // closed when proc has exited
}

// Start starts a dedicated redis-server for this test only, stopped when the
// test ends.
func Start(tb testing.TB) *Proc {
	tb.Helper()
	p, err := startProc(tb.TempDir(), nil)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
	}
	tb.Cleanup(p.stop)
	return p
}

// Addr is the server's "host:port".
func (p *Proc) Addr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p.port)) }

// URL is the server's redis:// URL.
func (p *Proc) URL() string { return "redis://" + p.Addr() + "/0" }

// Stop kills the server and waits until it has exited and its port is closed.
func (p *Proc) Stop(tb testing.TB) {
	tb.Helper()
	p.stop()
}

// Start starts a stopped server again on the same port and waits until it
// answers PING.
func (p *Proc) Start(tb testing.TB) {
	tb.Helper()
	if err := p.start(); err != nil {
		tb.Fatalf("redistest: restart %s: %v", p.Addr(), err)
	}
}

func (p *Proc) stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc == nil {
		return
	}
	// SIGKILL: an outage test wants the server gone at once, and there is
	// nothing on disk to flush.
	p.proc.Kill()
	<-p.done
	p.proc = nil
}

// notFound is the message for a machine without redis-server.
const notFound = "redis-server not found on PATH. Install Redis (apt-get install redis-server) " +
	"or run the README's test command, scripts/test.sh, which starts Redis and sets " + EnvServer + " and " + EnvCluster

// startProc starts redis-server in dir on a free loopback port.
func startProc(dir string, extra []string) (*Proc, error) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		return nil, errors.New(notFound)
	}
	cluster := len(extra) > 0
	for try := 0; ; try++ {
		port, err := freePort(cluster)
		if err != nil {
			return nil, err
		}
		p := &Proc{dir: dir, port: port, extra: extra}
		err = p.start()
		if err == nil {
			return p, nil
		}
		// Another process may have taken the port between our probe and the
		// server's bind; try another a few times.
		if try == 4 {
			return nil, err
		}
	}
}

func (p *Proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.proc != nil {
		return nil
	}
	args := []string{
		"--port", strconv.Itoa(p.port),
		"--bind", "127.0.0.1",
		"--save", "",
		"--appendonly", "no",
		"--dir", p.dir,
		"--daemonize", "no",
		"--logfile", "",
		"--protected-mode", "no",
	}
	args = append(args, p.extra...)
	logPath := filepath.Join(p.dir, fmt.Sprintf("redis-%d.log", p.port))
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	defer logf.Close()
	cmd := exec.Command("redis-server", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// The kernel kills the server when the test binary dies, so none is left
	// running after a crashed or interrupted test run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := spawn(cmd); err != nil {
		return fmt.Errorf("start redis-server: %w", err)
	}
	var waitErr error
	done := make(chan struct{})
	go func() { waitErr = cmd.Wait(); close(done) }()
	addr := p.Addr()
	deadline := time.Now().Add(startTimeout)
	for {
		select {
		case <-done:
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("redis-server on %s exited (%v): %s", addr, waitErr, tail(log))
		default:
		}
		if pingOnce(addr) == nil {
			p.proc, p.done = cmd.Process, done
			return nil
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			<-done
			log, _ := os.ReadFile(logPath)
			return fmt.Errorf("redis-server on %s did not answer PING within %v: %s", addr, startTimeout, tail(log))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// spawner starts every server from one goroutine locked to its OS thread
// for the life of the test binary: the parent-death signal fires when the
// forking thread exits, not the process, and the Go runtime may retire
// other threads.
var spawner struct {
	once sync.Once
	reqs chan spawnReq
}

type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

func spawn(cmd *exec.Cmd) error {
	spawner.once.Do(func() {
		spawner.reqs = make(chan spawnReq)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread must live on
			for r := range spawner.reqs {
				r.done <- r.cmd.Start()
			}
		}()
	})
	done := make(chan error, 1)
	spawner.reqs <- spawnReq{cmd, done}
	return <-done
}

func tail(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

// freePort finds a free loopback port. For a cluster node the bus port
// (port+10000) must be free as well.
func freePort(cluster bool) (int, error) {
	for range 50 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, fmt.Errorf("find a free port: %w", err)
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !cluster {
			return port, nil
		}
		if port+10000 > 65535 {
			continue
		}
		bus, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			continue
		}
		bus.Close()
		return port, nil
	}
	return 0, errors.New("no free port pair for a cluster node")
}

// pingOnce sends one PING over a raw connection; it avoids a client's
// retries so start-up polling stays quick.
func pingOnce(addr string) error {
	conn, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(time.Second))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return err
	}
	buf := make([]byte, 64)
	n, err := conn.Read(buf)
	if err != nil {
		return err
	}
	if !strings.HasPrefix(string(buf[:n]), "+PONG") {
		return fmt.Errorf("PING answered %q", buf[:n])
	}
	return nil
}

func waitPing(addrs []string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for _, a := range addrs {
		for {
			err := pingOnce(a)
			if err == nil {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("%s: %w", a, err)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}

// startCluster starts n cluster-enabled servers and joins them as masters.
func startCluster(n int) ([]*Proc, error) {
	if _, err := exec.LookPath("redis-cli"); err != nil {
		return nil, errors.New(strings.Replace(notFound, "redis-server not found", "redis-cli not found", 1))
	}
	var procs []*Proc
	fail := func(err error) ([]*Proc, error) {
		for _, p := range procs {
			p.stop()
			os.RemoveAll(p.dir)
		}
		return nil, err
	}
	args := []string{"--cluster", "create"}
	for i := range n {
		dir, err := os.MkdirTemp("", fmt.Sprintf("redistest-cluster%d-", i))
		if err != nil {
			return fail(err)
		}
		p, err := startProc(dir, []string{
			"--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(dir, "nodes.conf"),
			"--cluster-node-timeout", "2000",
		})
		if err != nil {
			os.RemoveAll(dir)
			return fail(err)
		}
		procs = append(procs, p)
		args = append(args, p.Addr())
	}
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "redis-cli", args...).CombinedOutput()
	if err != nil {
		return fail(fmt.Errorf("redis-cli %s: %w: %s", strings.Join(args, " "), err, tail(out)))
	}
	addrs := make([]string, len(procs))
	for i, p := range procs {
		addrs[i] = p.Addr()
	}
	if err := waitClusterOK(addrs, startTimeout); err != nil {
		return fail(err)
	}
	return procs, nil
}

// waitClusterOK waits until every node reports cluster_state:ok and a
// cluster client can write and read a key (the nodes agree on the slots).
func waitClusterOK(addrs []string, d time.Duration) error {
	if len(addrs) == 0 {
		return errors.New("no cluster addresses")
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var last error
	for ctx.Err() == nil {
		last = clusterOK(ctx, addrs)
		if last == nil {
			return nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("cluster not ready within %v: %w", d, last)
}

func clusterOK(ctx context.Context, addrs []string) error {
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a, DialTimeout: time.Second, MaxRetries: -1})
		info, err := c.ClusterInfo(ctx).Result()
		c.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", a, err)
		}
		if !strings.Contains(info, "cluster_state:ok") {
			return fmt.Errorf("%s: cluster_state is not ok", a)
		}
	}
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs, DialTimeout: time.Second})
	defer c.Close()
	for i := range 3 { // keys in different slots, so every master is asked
		k := fmt.Sprintf("redistest:ready:%d", i)
		if err := c.Set(ctx, k, "1", time.Second).Err(); err != nil {
			return fmt.Errorf("probe write: %w", err)
		}
	}
	return nil
}
