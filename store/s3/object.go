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

// object is an opened object: each ReadAt is a ranged GET of the opened
// version.
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

func (o *object) Close() error {
	o.closed.Store(true)
	return nil
}

// ReadAt reads len(p) bytes at off, or up to the end of the object with
// io.EOF. Transient failures are retried; a body cut short is resumed where
// it stopped. On any other outcome the error says so: n < len(p) never
// comes with a nil error.
func (o *object) ReadAt(p []byte, off int64) (int, error) {
	key := o.info.Key
	if o.closed.Load() {
		return 0, &store.Error{Op: "read", Key: key, Err: fmt.Errorf("%s: %w", o.s.loc(key), os.ErrClosed)}
	}
	if off < 0 {
		return 0, &store.Error{Op: "read", Key: key, Err: fmt.Errorf("%s: negative offset %d", o.s.loc(key), off)}
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
	n, err := o.readFull(p, off)
	if err != nil {
		return n, o.s.fail("read", key, err)
	}
	return n, eof
}

// readFull fills p from offset off of the opened version, retrying.
func (o *object) readFull(p []byte, off int64) (int, error) {
	ctx := o.ctx
	got := 0
	// n counts failures since the last attempt that made progress; total
	// counts them all, so that a server that trickles a few bytes per
	// connection cannot keep the read going forever.
	maxTotal := 3 * o.s.cfg.maxAttempts
	for n, total := 1, 1; ; n, total = n+1, total+1 {
		m, err := o.getRange(ctx, p[got:], off+int64(got))
		got += m
		if err == nil {
			return got, nil
		}
		if m > 0 {
			n = 1
		}
		if !transient(ctx, err) {
			return got, err
		}
		if n >= o.s.cfg.maxAttempts || total >= maxTotal {
			return got, gaveUp(fmt.Errorf("bytes %d-%d: %w", off+int64(got), off+int64(len(p))-1, err), total)
		}
		if berr := o.s.backoff(ctx, n); berr != nil {
			return got, fmt.Errorf("%w (retrying after: %w)", berr, err)
		}
	}
}

// getRange makes one ranged GET of len(p) bytes at off and reads as much of
// the body as it can into p. It abandons the attempt when the response or
// the body stalls for the stall timeout.
func (o *object) getRange(ctx context.Context, p []byte, off int64) (int, error) {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stall := o.s.cfg.stallTimeout
	watchdog := time.AfterFunc(stall, func() { cancel(errStalled) })
	defer watchdog.Stop()

	opts := minio.GetObjectOptions{}
	if o.info.VersionID != "" {
		opts.VersionID = o.info.VersionID
	}
	if o.info.ETag != "" {
		if err := opts.SetMatchETag(o.info.ETag); err != nil {
			return 0, err
		}
	}
	if err := opts.SetRange(off, off+int64(len(p))-1); err != nil {
		return 0, err
	}
	body, oi, _, err := o.s.core.GetObject(actx, o.s.bucket, o.s.prefix+o.info.Key, opts)
	if err != nil {
		return 0, stalled(actx, ctx, err)
	}
	defer body.Close()
	if o.info.ETag != "" && oi.ETag != "" && oi.ETag != o.info.ETag {
		return 0, ErrChanged
	}
	if oi.Size != int64(len(p)) {
		return 0, fmt.Errorf("%w: asked for %d bytes at offset %d, the server is sending %d", errBadResponse, len(p), off, oi.Size)
	}
	n, err := io.ReadFull(&progressReader{r: body, watchdog: watchdog, stall: stall}, p)
	if err != nil {
		if errors.Is(err, io.EOF) {
			// Zero bytes before the cut: still a body cut short, and
			// never to be mistaken for the end of the object.
			err = io.ErrUnexpectedEOF
		}
		return n, fmt.Errorf("body cut short after %d of %d bytes: %w", n, len(p), stalled(actx, ctx, err))
	}
	return n, nil
}

// stalled replaces the error of an attempt that the watchdog cancelled.
func stalled(actx, parent context.Context, err error) error {
	if parent.Err() == nil && errors.Is(context.Cause(actx), errStalled) {
		return fmt.Errorf("%w: %w", errStalled, err)
	}
	return err
}

// progressReader pushes the watchdog back each time bytes arrive.
type progressReader struct {
	r        io.Reader
	watchdog *time.Timer
	stall    time.Duration
}

func (p *progressReader) Read(b []byte) (int, error) {
	n, err := p.r.Read(b)
	if n > 0 {
		p.watchdog.Reset(p.stall)
	}
	return n, err
}
