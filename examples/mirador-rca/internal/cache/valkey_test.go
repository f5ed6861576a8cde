package cache

import (
	"context"
	"errors"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// startRedis runs Debian's redis-server on a free loopback port for the test (no persistence) and returns its
// address. A machine without redis-server fails the test: the client is only proven against a real server.
func startRedis(t *testing.T, extra ...string) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not on PATH (apt-get install redis-server; scripts/bootstrap-tools installs it): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	args := append([]string{"--bind", "127.0.0.1", "--port", strconv.Itoa(port), "--save", "", "--appendonly", "no",
		"--dir", t.TempDir(), "--databases", "4"}, extra...)
	cmd := exec.Command(bin, args...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	deadline := time.Now().Add(10 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			_ = c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("redis-server did not listen on %s within 10s: %s", addr, out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func opts(addr string) Options {
	return Options{Addr: addr, DialTimeout: time.Second, ReadTimeout: time.Second, WriteTimeout: time.Second, MaxRetries: 1}
}

func TestValkeyAgainstRedisServer(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	v, err := Dial(ctx, opts(addr))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = v.Close() }()

	if _, ok, err := v.Get(ctx, "absent"); err != nil || ok {
		t.Fatalf("Get(absent) = ok %v, err %v; want a miss", ok, err)
	}
	value := []byte("{\"a\":1}\r\nwith CRLF and \x00 bytes")
	if err := v.Set(ctx, "k", value, time.Minute); err != nil {
		t.Fatal(err)
	}
	got, ok, err := v.Get(ctx, "k")
	if err != nil || !ok || string(got) != string(value) {
		t.Fatalf("Get(k) = %q %v %v, want %q", got, ok, err, value)
	}

	// The TTL is the server's: the key is gone once it expired.
	if err := v.Set(ctx, "short", []byte("x"), 100*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, ok, _ := v.Get(ctx, "short"); ok {
		t.Fatal("a key stored for 100ms is still there after 300ms")
	}

	// Concurrent commands share the pool without mixing replies.
	errs := make(chan error, 20)
	for i := range 20 {
		go func() {
			key := "c" + strconv.Itoa(i)
			if err := v.Set(ctx, key, []byte(key), time.Minute); err != nil {
				errs <- err
				return
			}
			got, ok, err := v.Get(ctx, key)
			if err == nil && (!ok || string(got) != key) {
				err = errors.New(key + " read back as " + string(got))
			}
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}

func TestValkeySelectsTheDatabase(t *testing.T) {
	addr := startRedis(t)
	ctx := context.Background()
	db0, err := Dial(ctx, opts(addr))
	if err != nil {
		t.Fatal(err)
	}
	o := opts(addr)
	o.DB = 2
	db2, err := Dial(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := db2.Set(ctx, "only-in-2", []byte("x"), time.Minute); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := db0.Get(ctx, "only-in-2"); ok {
		t.Fatal("a key of database 2 is visible in database 0")
	}
	if _, ok, _ := db2.Get(ctx, "only-in-2"); !ok {
		t.Fatal("database 2 lost its key")
	}
	o.DB = 9 // the server has 4
	if _, err := Dial(ctx, o); err == nil || !strings.Contains(err.Error(), "SELECT") {
		t.Fatalf("Dial with database 9 of 4: err %v, want a SELECT error", err)
	}
}

func TestValkeyAuthenticates(t *testing.T) {
	addr := startRedis(t, "--requirepass", "s3cret")
	ctx := context.Background()
	if _, err := Dial(ctx, opts(addr)); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Fatalf("Dial without password: err %v, want NOAUTH", err)
	}
	o := opts(addr)
	o.Password = "wrong"
	if _, err := Dial(ctx, o); err == nil || !strings.Contains(err.Error(), "AUTH") {
		t.Fatalf("Dial with a wrong password: err %v, want an AUTH error", err)
	}
	o.Password = "s3cret"
	v, err := Dial(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Set(ctx, "k", []byte("v"), time.Minute); err != nil {
		t.Fatal(err)
	}
}

func TestValkeyThatDoesNotAnswer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	start := time.Now()
	if _, err := Dial(context.Background(), opts(addr)); err == nil {
		t.Fatal("Dial to a closed port succeeded")
	}
	if time.Since(start) > 3*time.Second {
		t.Fatalf("Dial to a closed port took %v", time.Since(start))
	}

	// A server that stops answering after start: commands fail (read as misses by Load), they do not hang.
	addr = startRedis(t)
	v, err := Dial(context.Background(), opts(addr))
	if err != nil {
		t.Fatal(err)
	}
	var target struct{ A int }
	Store(context.Background(), v, "j", map[string]int{"A": 7}, time.Minute)
	if !Load(context.Background(), v, "j", &target) || target.A != 7 {
		t.Fatalf("Load after Store: %+v", target)
	}
	_ = v.Close()
	if Load(context.Background(), v, "j", &target) {
		t.Fatal("Load on a closed cache hit")
	}
}

func TestNoopAlwaysMisses(t *testing.T) {
	var c Cache = Noop{}
	Store(context.Background(), c, "k", 1, time.Minute)
	var n int
	if Load(context.Background(), c, "k", &n) {
		t.Fatal("Noop hit")
	}
}
