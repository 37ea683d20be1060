package s3

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/cairnml/cairn/store"
)

// errBadResponse reports a response that does not match the request, such
// as a range of the wrong length. It is not retried.
var errBadResponse = errors.New("unexpected response")

var (
	_ store.RangeReader = (*object)(nil)
	_ store.Pinned      = (*object)(nil)
)

// object is an opened object: each ReadAt, and each range streamed with
// ReadRange, is a ranged GET of the opened version.
type object struct {
	s *Store
	// ctx is the context given to Open. store.Object's contract makes it
	// govern the reads until Close, so it is kept here.
	ctx    context.Context
	info   store.Info
	closed atomic.Bool
}

func (o *object) Size() int64      { return o.info.Size }
func (o *object) Info() store.Info { return o.info }

// Pinned implements store.Pinned: every request asks for the opened
// version id, on versioned buckets, and sets If-Match to the opened ETag,
// and request checks the ETag of the response. Objects for which the
// server gave neither are not pinned.
func (o *object) Pinned() bool { return o.info.ETag != "" || o.info.VersionID != "" }

func (o *object) Close() error {
	o.closed.Store(true)
	return nil
}

// ReadAt reads len(p) bytes at off, or up to the end of the object with
// io.EOF, with one ranged GET (more if it fails). Transient failures are
// retried; a body cut short is resumed where it stopped. On any other
// outcome the error says so: n < len(p) never comes with a nil error.
func (o *object) ReadAt(p []byte, off int64) (int, error) {
	if err := o.check(off); err != nil {
		return 0, err
	}
	size := o.info.Size
	if off >= size {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	var eof error
	if int64(len(p)) > size-off {
		p = p[:size-off]
		eof = io.EOF
	}
	r := &rangeReader{o: o, off: off, end: off + int64(len(p))}
	defer r.Close()
	// r ends early only with an error of its own, which names the object.
	if n, err := io.ReadFull(r, p); err != nil {
		return n, err
	}
	return len(p), eof
}

// ReadRange implements store.RangeReader: the returned reader streams the
// n bytes at off with one ranged GET, and retries and resumes as ReadAt
// does. The GET is sent at the first Read.
func (o *object) ReadRange(off, n int64) (io.ReadCloser, error) {
	if err := o.check(off); err != nil {
		return nil, err
	}
	if n < 0 || off > o.info.Size || n > o.info.Size-off {
		return nil, &store.Error{Op: "read", Key: o.info.Key,
			Err: fmt.Errorf("%s: range of %d bytes at offset %d outside the object's %d bytes", o.s.loc(o.info.Key), n, off, o.info.Size)}
	}
	return &rangeReader{o: o, off: off, end: off + n}, nil
}

// check fails if o is closed or off is negative.
func (o *object) check(off int64) error {
	key := o.info.Key
	if o.closed.Load() {
		return &store.Error{Op: "read", Key: key, Err: fmt.Errorf("%s: %w", o.s.loc(key), os.ErrClosed)}
	}
	if off < 0 {
		return &store.Error{Op: "read", Key: key, Err: fmt.Errorf("%s: negative offset %d", o.s.loc(key), off)}
	}
	return nil
}

// rangeReader streams bytes [off, end) of the opened version. Each attempt
// is one ranged GET of the bytes still missing; an attempt that fails
// transiently, or whose body is cut short, is followed (after a backoff)
// by another, until the retry budget is spent. A request or body that
// makes no progress for the stall timeout is abandoned. Errors are sticky
// and name the object.
type rangeReader struct {
	o        *object
	off, end int64 // the next byte to deliver; the end of the range

	// The current attempt, if any: its body, where it started, the
	// watchdog that cancels it when it stalls, and how to end it.
	body     io.ReadCloser
	from     int64
	watchdog *time.Timer
	stalled  func(error) error // marks an error the watchdog caused
	cancel   context.CancelCauseFunc

	fails  int // failures since the last attempt that delivered bytes
	total  int // failures in all
	err    error
	closed bool
}

func (r *rangeReader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if r.closed {
		key := r.o.info.Key
		return 0, &store.Error{Op: "read", Key: key, Err: fmt.Errorf("%s: %w", r.o.s.loc(key), os.ErrClosed)}
	}
	if r.off >= r.end {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	if int64(len(p)) > r.end-r.off {
		p = p[:r.end-r.off]
	}
	for {
		if r.body == nil {
			if err := r.request(); err != nil {
				if err := r.failed(err, false); err != nil {
					return 0, err
				}
				continue
			}
		}
		n, err := r.body.Read(p)
		if n > 0 {
			r.watchdog.Reset(r.o.s.cfg.stallTimeout)
			r.off += int64(n)
		}
		if r.off == r.end {
			// Done: the body's end was reached with its last bytes (net/http
			// reports it then), so the connection goes back to the pool.
			r.abandon()
			return n, nil
		}
		if err == nil {
			if n > 0 {
				return n, nil
			}
			continue
		}
		if errors.Is(err, io.EOF) {
			// Never to be mistaken for the end of the range.
			err = io.ErrUnexpectedEOF
		}
		err = fmt.Errorf("body cut short with %d bytes to go: %w", r.end-r.off, r.stalled(err))
		progress := r.off > r.from
		r.abandon()
		if err := r.failed(err, progress); err != nil {
			if n > 0 {
				return n, nil // the error comes at the next Read
			}
			return 0, err
		}
		if n > 0 {
			return n, nil
		}
	}
}

// request starts an attempt: a ranged GET of bytes [off, end).
func (r *rangeReader) request() error {
	o := r.o
	ctx := o.ctx
	actx, cancel := context.WithCancelCause(ctx)
	watchdog := time.AfterFunc(o.s.cfg.stallTimeout, func() { cancel(errStalled) })
	opts := minio.GetObjectOptions{}
	if o.info.VersionID != "" {
		opts.VersionID = o.info.VersionID
	}
	err := func() error {
		if o.info.ETag != "" {
			if err := opts.SetMatchETag(o.info.ETag); err != nil {
				return err
			}
		}
		return opts.SetRange(r.off, r.end-1)
	}()
	var body io.ReadCloser
	var oi minio.ObjectInfo
	if err == nil {
		body, oi, _, err = o.s.core.GetObject(actx, o.s.bucket, o.s.prefix+o.info.Key, opts)
		if err != nil {
			err = stalled(actx, ctx, err)
		}
	}
	if err == nil {
		switch want := r.end - r.off; {
		case o.info.ETag != "" && oi.ETag != "" && oi.ETag != o.info.ETag:
			err = ErrChanged
		case oi.Size != want:
			err = fmt.Errorf("%w: asked for %d bytes at offset %d, the server is sending %d", errBadResponse, want, r.off, oi.Size)
		}
		if err != nil {
			body.Close()
		}
	}
	if err != nil {
		watchdog.Stop()
		cancel(nil)
		return err
	}
	r.body, r.from, r.watchdog, r.cancel = body, r.off, watchdog, cancel
	r.stalled = func(err error) error { return stalled(actx, ctx, err) }
	return nil
}

// abandon ends the current attempt, if any.
func (r *rangeReader) abandon() {
	if r.body == nil {
		return
	}
	r.watchdog.Stop()
	r.body.Close()
	r.cancel(nil)
	r.body, r.watchdog, r.stalled, r.cancel = nil, nil, nil, nil
}

// failed records a failed attempt, which delivered bytes if progress. It
// waits out the backoff and returns nil if another attempt is due, or else
// sets and returns the reader's final error.
func (r *rangeReader) failed(err error, progress bool) error {
	o := r.o
	r.total++
	r.fails++
	if progress {
		r.fails = 1
	}
	switch {
	case !transient(o.ctx, err):
	case r.fails >= o.s.cfg.maxAttempts || r.total >= 3*o.s.cfg.maxAttempts:
		// An attempt that delivered bytes resets fails, but a server that
		// trickles a few bytes per connection must not keep the read
		// going forever: hence the bound on total.
		err = gaveUp(fmt.Errorf("bytes %d-%d: %w", r.off, r.end-1, err), r.total)
	default:
		if berr := o.s.backoff(o.ctx, r.fails); berr != nil {
			err = fmt.Errorf("%w (retrying after: %w)", berr, err)
		} else {
			return nil
		}
	}
	r.err = o.s.fail("read", o.info.Key, err)
	return r.err
}

// Close ends the reader and releases its connection. It always returns nil.
func (r *rangeReader) Close() error {
	r.abandon()
	r.closed = true
	return nil
}

// stalled replaces the error of an attempt that the watchdog cancelled.
func stalled(actx, parent context.Context, err error) error {
	if parent.Err() == nil && errors.Is(context.Cause(actx), errStalled) {
		return fmt.Errorf("%w: %w", errStalled, err)
	}
	return err
}
