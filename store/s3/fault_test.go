package s3_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cairnml/cairn/internal/s3test"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/s3"
)

// fault says what the proxy does to the responses it relays.
type fault struct {
	afterHeaders bool  // act at the end of the first response headers on a connection
	after        int64 // else act after this many response bytes on a connection
	stall        bool  // stop relaying (keep the connection open) instead of cutting it
	times        int64 // connections to act on; < 0 means all of them
}

// proxy is a loopback TCP proxy in front of the S3 server that injects
// faults into the responses.
type proxy struct {
	ln     net.Listener
	target string
	fault  atomic.Pointer[fault]
	acted  atomic.Int64 // connections cut or stalled so far
	done   chan struct{}
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

func newProxy(t *testing.T) *proxy {
	t.Helper()
	u, err := url.Parse(os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil || u.Host == "" {
		t.Fatalf("AWS_ENDPOINT_URL %q: %v", os.Getenv("AWS_ENDPOINT_URL"), err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: u.Host, done: make(chan struct{}), conns: make(map[net.Conn]struct{})}
	p.wg.Add(1)
	go p.serve()
	t.Cleanup(p.Close)
	return p
}

func (p *proxy) URL() string { return "http://" + p.ln.Addr().String() }

// setFault installs f (nil for none) and drops every open connection, so
// that the fault applies from the first byte of every later connection.
func (p *proxy) setFault(f *fault) {
	p.fault.Store(f)
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
}

// Close stops the proxy as a dead server would: the port stops accepting
// and every open connection is dropped.
func (p *proxy) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	close(p.done)
	p.ln.Close()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) serve() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.relay(c)
		}()
	}
}

func (p *proxy) relay(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	if !p.track(server) {
		return
	}
	defer server.Close()
	go func() {
		io.Copy(server, client)
		server.Close()
	}()
	var (
		relayed int64
		tail    []byte // the last bytes seen, to find "\r\n\r\n" across reads
		acted   bool
	)
	buf := make([]byte, 32<<10)
	for {
		n, err := server.Read(buf)
		chunk := buf[:n]
		if f := p.fault.Load(); f != nil && !acted && n > 0 {
			limit := int64(-1) // where in chunk to act, if anywhere
			if f.afterHeaders {
				seen := append(tail, chunk...)
				if i := bytes.Index(seen, []byte("\r\n\r\n")); i >= 0 {
					limit = int64(i + 4 - len(tail))
				}
				tail = seen[max(0, len(seen)-3):]
			} else if relayed+int64(n) > f.after {
				limit = f.after - relayed
			}
			if limit >= 0 && p.take(f) {
				acted = true
				client.Write(chunk[:limit])
				if f.stall {
					<-p.done
				}
				return
			}
		}
		if n > 0 {
			if _, werr := client.Write(chunk); werr != nil {
				return
			}
			relayed += int64(n)
		}
		if err != nil {
			return
		}
	}
}

// take reports whether the fault still applies to one more connection.
func (p *proxy) take(f *fault) bool {
	for {
		left := atomic.LoadInt64(&f.times)
		if left == 0 {
			return false
		}
		if left < 0 || atomic.CompareAndSwapInt64(&f.times, left, left-1) {
			p.acted.Add(1)
			return true
		}
	}
}

// faultFixture puts an object on MinIO directly and opens a second Store
// on the same bucket through a proxy, with fast retries.
func faultFixture(t *testing.T, size int, opts ...s3.Option) (*proxy, store.Store, []byte) {
	t.Helper()
	direct := s3test.NewStore(t, "")
	data := randBytes(42, size)
	mustPut(t, direct, "dir/obj", data)
	p := newProxy(t)
	opts = append([]s3.Option{s3.WithEndpoint(p.URL()), s3.WithRetry(4, 5*time.Millisecond, 40*time.Millisecond),
		s3.WithStallTimeout(5 * time.Second)}, opts...)
	s, err := s3.Open(context.Background(), direct.URL(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p, s, data
}

func TestReadRetriesCutConnections(t *testing.T) {
	ctx := context.Background()
	const size = 1 << 20
	p, s, data := faultFixture(t, size)
	obj, err := s.Open(ctx, "dir/obj")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()

	// Every connection is cut 100 KiB into its response, six times in a
	// row: each ranged read must resume where the cut left it.
	p.setFault(&fault{after: 100 << 10, times: 6})
	buf := make([]byte, size)
	n, err := obj.ReadAt(buf, 0)
	if n != size || err != nil {
		t.Fatalf("ReadAt(whole) = %d, %v; want %d, nil", n, err, size)
	}
	if !bytes.Equal(buf, data) {
		t.Fatalf("bytes read through a cutting proxy differ from the object")
	}
	if got := p.acted.Load(); got != 6 {
		t.Errorf("the proxy cut %d connections, want 6 (the test did not exercise the retries)", got)
	}

	// A middle range, cut after the headers (no body byte) twice.
	p.setFault(&fault{afterHeaders: true, times: 2})
	mid := make([]byte, 500_000)
	n, err = obj.ReadAt(mid, 300_000)
	if n != len(mid) || err != nil || !bytes.Equal(mid, data[300_000:800_000]) {
		t.Fatalf("ReadAt(mid) = %d, %v, equal=%v", n, err, bytes.Equal(mid, data[300_000:800_000]))
	}
	if got := p.acted.Load(); got != 8 {
		t.Errorf("the proxy cut %d connections, want 8", got)
	}

	// Past the end: the tail and io.EOF, through cuts too.
	p.setFault(&fault{after: 1000, times: 1})
	tail := make([]byte, 10_000)
	n, err = obj.ReadAt(tail, size-4000)
	if n != 4000 || err != io.EOF || !bytes.Equal(tail[:n], data[size-4000:]) {
		t.Fatalf("ReadAt(tail) = %d, %v; want 4000, io.EOF and the last bytes", n, err)
	}
}

func TestReadPersistentFailure(t *testing.T) {
	ctx := context.Background()
	p, s, _ := faultFixture(t, 1<<20)
	obj, err := s.Open(ctx, "dir/obj")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	// Every response is cut right after its headers: no progress, ever.
	p.setFault(&fault{afterHeaders: true, times: -1})
	start := time.Now()
	buf := make([]byte, 1<<20)
	n, err := obj.ReadAt(buf, 0)
	elapsed := time.Since(start)
	if err == nil || n != 0 {
		t.Fatalf("ReadAt through a proxy that always cuts = %d, %v; want 0 and an error", n, err)
	}
	if errors.Is(err, io.EOF) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("err = %v; want io.ErrUnexpectedEOF and never io.EOF", err)
	}
	msg := err.Error()
	for _, want := range []string{s3URL(s) + "dir/obj", "gave up after 4 attempts", "bytes 0-1048575"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not contain %q", msg, want)
		}
	}
	if got := p.acted.Load(); got != 4 {
		t.Errorf("%d attempts reached the proxy, want 4", got)
	}
	if elapsed > 5*time.Second {
		t.Errorf("giving up took %v", elapsed)
	}
}

func TestReadStall(t *testing.T) {
	ctx := context.Background()
	p, s, _ := faultFixture(t, 1<<20, s3.WithRetry(3, 5*time.Millisecond, 20*time.Millisecond),
		s3.WithStallTimeout(200*time.Millisecond))
	obj, err := s.Open(ctx, "dir/obj")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	// The body stops flowing 10 KiB in and the connection stays open.
	p.setFault(&fault{after: 10 << 10, stall: true, times: -1})
	start := time.Now()
	n, err := obj.ReadAt(make([]byte, 1<<20), 0)
	elapsed := time.Since(start)
	if err == nil || n >= 1<<20 {
		t.Fatalf("ReadAt through a stalling proxy = %d, %v; want an error", n, err)
	}
	if !strings.Contains(err.Error(), "no progress") || !strings.Contains(err.Error(), "dir/obj") {
		t.Errorf("err = %v; want a stall error naming the object", err)
	}
	// Every attempt delivers ~10 KiB and stalls: progress resets the count,
	// but a ReadAt gives up after 3*3 attempts in all, each 200ms.
	if p.acted.Load() != 9 {
		t.Errorf("%d attempts stalled, want 9", p.acted.Load())
	}
	if elapsed > 4*time.Second {
		t.Errorf("giving up on a stalled server took %v", elapsed)
	}

}

func TestReadContextCancelled(t *testing.T) {
	p, s, _ := faultFixture(t, 1<<20, s3.WithStallTimeout(time.Minute))
	ctx, cancel := context.WithCancel(context.Background())
	obj, err := s.Open(ctx, "dir/obj")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	p.setFault(&fault{after: 10 << 10, stall: true, times: -1})
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	_, err = obj.ReadAt(make([]byte, 1<<20), 0)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("ReadAt with a cancelled ctx: err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 3*time.Second {
		t.Errorf("cancelling took %v to end the read", elapsed)
	}
}

// TestServerGone stops the proxy, as if the server died: every operation
// fails promptly with an error naming the object, instead of hanging.
func TestServerGone(t *testing.T) {
	ctx := context.Background()
	p, s, data := faultFixture(t, 64<<10)
	obj, err := s.Open(ctx, "dir/obj")
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Close()
	if got := readAll(t, obj); !bytes.Equal(got, data) {
		t.Fatal("read before the server went away differs")
	}
	p.Close()

	start := time.Now()
	n, err := obj.ReadAt(make([]byte, 100), 0)
	if err == nil || n != 0 || !strings.Contains(err.Error(), "dir/obj") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("ReadAt after the server went away = %d, %v; want a connection refused error naming the object", n, err)
	}
	if _, err := s.Stat(ctx, "dir/obj"); err == nil || !strings.Contains(err.Error(), "dir/obj") {
		t.Errorf("Stat after the server went away: err = %v", err)
	}
	var last error
	count := 0
	for _, err := range s.List(ctx, "") {
		count++
		last = err
	}
	if count != 1 || last == nil {
		t.Errorf("List after the server went away yielded %d elements, last error %v; want just an error", count, last)
	}
	if err := s.Put(ctx, "new", bytes.NewReader([]byte("x")), 1); err == nil {
		t.Errorf("Put after the server went away succeeded")
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("failing four operations took %v", elapsed)
	}
}

func s3URL(s store.Store) string { return s.(*s3.Store).URL() }
