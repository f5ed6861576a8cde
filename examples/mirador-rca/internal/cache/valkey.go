package cache

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// Options are the connection settings of a Valkey server (config's cache.*).
type Options struct {
	Addr         string
	Username     string
	Password     string
	DB           int
	TLS          bool
	DialTimeout  time.Duration
	ReadTimeout  time.Duration
	WriteTimeout time.Duration
	// MaxRetries is how many times a command is sent again on a fresh connection after a network error.
	MaxRetries int
}

// maxIdle bounds the connections kept open between commands.
const maxIdle = 8

// Valkey is a small RESP2 client: GET, SET with PX, PING, and AUTH/SELECT on every new connection. Connections
// are pooled (at most maxIdle idle); each command holds one connection for its round trip.
type Valkey struct {
	opts Options
	idle chan *conn
	mu   sync.Mutex
	shut bool
}

// Dial connects to the server and checks that it answers PING (after AUTH and SELECT), so that a wrong address,
// password or database is known at start.
func Dial(ctx context.Context, opts Options) (*Valkey, error) {
	if opts.Addr == "" {
		return nil, errors.New("cache.addr is empty")
	}
	for _, d := range []*time.Duration{&opts.DialTimeout, &opts.ReadTimeout, &opts.WriteTimeout} {
		if *d <= 0 {
			*d = time.Second
		}
	}
	v := &Valkey{opts: opts, idle: make(chan *conn, maxIdle)}
	reply, err := v.do(ctx, "PING")
	if err != nil {
		return nil, err
	}
	if reply.kind != '+' || reply.text != "PONG" {
		return nil, fmt.Errorf("valkey %s answered PING with %s", opts.Addr, reply)
	}
	return v, nil
}

// Get returns the value of key, or false when it does not exist.
func (v *Valkey) Get(ctx context.Context, key string) ([]byte, bool, error) {
	reply, err := v.do(ctx, "GET", key)
	if err != nil {
		return nil, false, err
	}
	switch {
	case reply.kind == '$' && reply.null:
		return nil, false, nil
	case reply.kind == '$':
		return reply.bulk, true, nil
	default:
		return nil, false, fmt.Errorf("valkey GET %s: unexpected reply %s", key, reply)
	}
}

// Set stores value under key, expiring after ttl (whole milliseconds, at least one).
func (v *Valkey) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	ms := max(ttl.Milliseconds(), 1)
	reply, err := v.do(ctx, "SET", key, string(value), "PX", strconv.FormatInt(ms, 10))
	if err != nil {
		return err
	}
	if reply.kind != '+' || reply.text != "OK" {
		return fmt.Errorf("valkey SET %s: unexpected reply %s", key, reply)
	}
	return nil
}

// Close closes the idle connections; later commands fail.
func (v *Valkey) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.shut {
		return nil
	}
	v.shut = true
	close(v.idle)
	for c := range v.idle {
		_ = c.nc.Close()
	}
	return nil
}

// do sends one command and reads its reply, on a pooled connection or a new one. A network error closes the
// connection and, up to MaxRetries times, sends the command again on a new one; a server error (-ERR) does not.
func (v *Valkey) do(ctx context.Context, args ...string) (reply, error) {
	var lastErr error
	for attempt := 0; attempt <= v.opts.MaxRetries; attempt++ {
		if err := ctx.Err(); err != nil {
			return reply{}, err
		}
		c, err := v.take(ctx)
		if err != nil {
			lastErr = err
			continue
		}
		r, err := c.roundTrip(v.opts, args)
		var serverErr *ServerError
		switch {
		case err == nil:
			v.give(c)
			return r, nil
		case errors.As(err, &serverErr):
			v.give(c)
			return reply{}, err
		default:
			_ = c.nc.Close()
			lastErr = err
		}
	}
	return reply{}, fmt.Errorf("valkey %s: %w", v.opts.Addr, lastErr)
}

func (v *Valkey) take(ctx context.Context) (*conn, error) {
	v.mu.Lock()
	shut := v.shut
	v.mu.Unlock()
	if shut {
		return nil, errors.New("cache closed")
	}
	select {
	case c, ok := <-v.idle:
		if ok {
			return c, nil
		}
		return nil, errors.New("cache closed")
	default:
	}
	return v.connect(ctx)
}

func (v *Valkey) give(c *conn) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.shut {
		_ = c.nc.Close()
		return
	}
	select {
	case v.idle <- c:
	default:
		_ = c.nc.Close()
	}
}

// connect dials and prepares a connection: AUTH when a password is set, SELECT when the database is not 0.
func (v *Valkey) connect(ctx context.Context) (*conn, error) {
	dialer := &net.Dialer{Timeout: v.opts.DialTimeout}
	var nc net.Conn
	var err error
	if v.opts.TLS {
		host, _, splitErr := net.SplitHostPort(v.opts.Addr)
		if splitErr != nil {
			host = v.opts.Addr
		}
		td := &tls.Dialer{NetDialer: dialer, Config: &tls.Config{MinVersion: tls.VersionTLS12, ServerName: host}}
		nc, err = td.DialContext(ctx, "tcp", v.opts.Addr)
	} else {
		nc, err = dialer.DialContext(ctx, "tcp", v.opts.Addr)
	}
	if err != nil {
		return nil, err
	}
	c := &conn{nc: nc, r: bufio.NewReader(nc), w: bufio.NewWriter(nc)}
	var setup [][]string
	if v.opts.Password != "" {
		if v.opts.Username != "" {
			setup = append(setup, []string{"AUTH", v.opts.Username, v.opts.Password})
		} else {
			setup = append(setup, []string{"AUTH", v.opts.Password})
		}
	}
	if v.opts.DB != 0 {
		setup = append(setup, []string{"SELECT", strconv.Itoa(v.opts.DB)})
	}
	for _, cmd := range setup {
		r, err := c.roundTrip(v.opts, cmd)
		if err == nil && (r.kind != '+' || r.text != "OK") {
			err = fmt.Errorf("unexpected reply %s", r)
		}
		if err != nil {
			_ = nc.Close()
			return nil, fmt.Errorf("valkey %s: %s: %w", v.opts.Addr, cmd[0], err)
		}
	}
	return c, nil
}

// ServerError is an error reply of the server (-ERR ..., -WRONGPASS ...).
type ServerError struct{ Message string }

func (e *ServerError) Error() string { return e.Message }

// reply is one RESP2 reply: a simple string (+), integer (:), bulk string ($, null when absent) or array (*).
type reply struct {
	kind  byte
	text  string
	bulk  []byte
	null  bool
	items []reply
}

func (r reply) String() string {
	switch {
	case r.null:
		return "(nil)"
	case r.kind == '$':
		return strconv.Quote(string(r.bulk))
	case r.kind == '*':
		return fmt.Sprintf("array of %d", len(r.items))
	default:
		return string(r.kind) + r.text
	}
}

type conn struct {
	nc net.Conn
	r  *bufio.Reader
	w  *bufio.Writer
}

// roundTrip writes a command as an array of bulk strings and reads one reply, within the timeouts.
func (c *conn) roundTrip(opts Options, args []string) (reply, error) {
	if err := c.nc.SetWriteDeadline(time.Now().Add(opts.WriteTimeout)); err != nil {
		return reply{}, err
	}
	_, _ = fmt.Fprintf(c.w, "*%d\r\n", len(args))
	for _, a := range args {
		_, _ = fmt.Fprintf(c.w, "$%d\r\n%s\r\n", len(a), a)
	}
	if err := c.w.Flush(); err != nil {
		return reply{}, err
	}
	if err := c.nc.SetReadDeadline(time.Now().Add(opts.ReadTimeout)); err != nil {
		return reply{}, err
	}
	return readReply(c.r, 0)
}

// maxBulk bounds a bulk string the client accepts (the values it stores are small JSON documents).
const maxBulk = 64 << 20

func readReply(r *bufio.Reader, depth int) (reply, error) {
	if depth > 8 {
		return reply{}, errors.New("RESP reply nested too deeply")
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return reply{}, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return reply{}, fmt.Errorf("malformed RESP line %q", line)
	}
	kind, body := line[0], line[1:len(line)-2]
	switch kind {
	case '+', ':':
		return reply{kind: kind, text: body}, nil
	case '-':
		return reply{}, &ServerError{Message: body}
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n > maxBulk {
			return reply{}, fmt.Errorf("malformed RESP bulk length %q", body)
		}
		if n == -1 {
			return reply{kind: '$', null: true}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return reply{}, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return reply{}, errors.New("RESP bulk string not ended by CRLF")
		}
		return reply{kind: '$', bulk: buf[:n]}, nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n > 1<<16 {
			return reply{}, fmt.Errorf("malformed RESP array length %q", body)
		}
		if n == -1 {
			return reply{kind: '*', null: true}, nil
		}
		out := reply{kind: '*', items: make([]reply, 0, n)}
		for range n {
			item, err := readReply(r, depth+1)
			if err != nil {
				return reply{}, err
			}
			out.items = append(out.items, item)
		}
		return out, nil
	default:
		return reply{}, fmt.Errorf("unknown RESP reply type %q", kind)
	}
}
