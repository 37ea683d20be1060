// Package s3 is a [store.Store] over an S3-compatible object store (Amazon
// S3, MinIO, ...), addressed by URLs of the form s3://bucket/prefix.
//
// # Settings
//
// Open reads its settings from the environment unless an [Option] gives them:
//
//   - endpoint: AWS_ENDPOINT_URL_S3, then AWS_ENDPOINT_URL, else
//     https://s3.amazonaws.com. An http:// endpoint means no TLS.
//   - region: AWS_REGION, then AWS_DEFAULT_REGION; if neither is set the
//     bucket's region is asked of the server.
//   - credentials: the minio-go chain, first match wins: AWS_ACCESS_KEY_ID,
//     AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN; the shared credentials and
//     config files (~/.aws/credentials, AWS_SHARED_CREDENTIALS_FILE,
//     AWS_PROFILE); IAM (EC2 instance roles, ECS and EKS web identity).
//     If none matches, requests are sent unsigned.
//
// # Keys
//
// Keys are relative to the URL's prefix, which is taken as a directory:
// the key "a/b" of s3://bucket/data is the object "data/a/b" of the bucket.
// Object names are used byte for byte; nothing is percent-decoded or
// normalized.
//
// # Consistency and failures
//
// Open pins the version of the object it opened: every ReadAt asks for that
// version id (on versioned buckets) and sets If-Match to its ETag, so an
// object replaced after Open either keeps being read as it was (versioned
// buckets) or makes reads fail with an error wrapping [ErrChanged]; bytes of
// two versions are never mixed. The server checks this on every request, so
// opened objects are [store.Pinned]: whoever changes an object, a reader
// learns it from its reads. A read of an object deleted since it was opened
// fails with an error wrapping both ErrChanged and [store.ErrNotExist].
//
// Requests that fail transiently (5xx and throttling responses, refused or
// reset connections, timeouts, a body cut short) are retried with
// exponential backoff and jitter, a bounded number of times, and never past
// the context's end. A ranged read cut off mid-body re-requests only the
// bytes still missing. A request or body that makes no progress for the
// stall timeout is abandoned and counts as a transient failure, so a dead
// server ends in an error rather than a hang. A ReadAt never returns fewer
// bytes than asked without an error.
//
// This is the only package in cairn that imports minio-go.
package s3

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"

	"github.com/cairnml/cairn/store"
)

var (
	_ store.Store      = (*Store)(nil)
	_ store.ReadHinter = (*Store)(nil)
)

// ErrChanged reports that an object was replaced or deleted after it was
// opened, so the opened version can no longer be read. It is
// store.ErrChanged: Objects of this store are store.Pinned.
var ErrChanged = store.ErrChanged

// ErrInvalidURL reports a malformed s3:// URL or endpoint.
var ErrInvalidURL = errors.New("invalid S3 URL")

// Defaults for the settings that Options can change.
const (
	DefaultMaxAttempts  = 5
	DefaultMinDelay     = 100 * time.Millisecond
	DefaultMaxDelay     = 5 * time.Second
	DefaultStallTimeout = 30 * time.Second
)

// Store is a store.Store over one bucket and prefix. It is safe for
// concurrent use. Create it with Open.
type Store struct {
	client *minio.Client
	core   minio.Core
	bucket string
	prefix string // "" or ends with "/"
	cfg    config
}

// An Option changes a setting of Open, CreateBucket or RemoveBucket.
type Option func(*config)

type config struct {
	endpoint     string
	region       string
	regionSet    bool
	creds        *credentials.Credentials
	maxAttempts  int
	minDelay     time.Duration
	maxDelay     time.Duration
	stallTimeout time.Duration
}

// WithEndpoint sets the server's URL, such as "http://127.0.0.1:9000",
// instead of AWS_ENDPOINT_URL. The URL must have an http or https scheme and
// a host, and no path beyond "/".
func WithEndpoint(endpoint string) Option { return func(c *config) { c.endpoint = endpoint } }

// WithRegion sets the region instead of AWS_REGION.
func WithRegion(region string) Option {
	return func(c *config) { c.region, c.regionSet = region, true }
}

// WithCredentials sets static credentials instead of the credential chain.
// sessionToken may be empty.
func WithCredentials(accessKeyID, secretAccessKey, sessionToken string) Option {
	return func(c *config) {
		c.creds = credentials.NewStaticV4(accessKeyID, secretAccessKey, sessionToken)
	}
}

// WithRetry sets how many times a request is tried in all (at least 1) and
// the backoff between tries: the n-th wait is a random duration between
// half and all of min(maxDelay, minDelay*2^(n-1)). For a ranged read, an
// attempt that delivered some bytes resets the count, but a single ReadAt
// gives up after 3*maxAttempts failed attempts in all.
func WithRetry(maxAttempts int, minDelay, maxDelay time.Duration) Option {
	return func(c *config) { c.maxAttempts, c.minDelay, c.maxDelay = maxAttempts, minDelay, maxDelay }
}

// WithStallTimeout sets how long a request may wait for response headers,
// or a body may go without delivering a byte, before the attempt is
// abandoned (and retried, if attempts remain).
func WithStallTimeout(d time.Duration) Option { return func(c *config) { c.stallTimeout = d } }

func newConfig(opts []Option) (config, error) {
	c := config{
		maxAttempts:  DefaultMaxAttempts,
		minDelay:     DefaultMinDelay,
		maxDelay:     DefaultMaxDelay,
		stallTimeout: DefaultStallTimeout,
	}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.endpoint == "" {
		c.endpoint = firstEnv("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL")
	}
	if c.endpoint == "" {
		c.endpoint = "https://s3.amazonaws.com"
	}
	if !c.regionSet {
		c.region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	}
	switch {
	case c.maxAttempts < 1:
		return c, fmt.Errorf("s3: retry attempts must be at least 1, got %d", c.maxAttempts)
	case c.minDelay < 0 || c.maxDelay < c.minDelay:
		return c, fmt.Errorf("s3: retry delays must satisfy 0 <= min <= max, got min %v, max %v", c.minDelay, c.maxDelay)
	case c.stallTimeout <= 0:
		return c, fmt.Errorf("s3: stall timeout must be positive, got %v", c.stallTimeout)
	}
	return c, nil
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// ParseURL splits an s3://bucket/prefix URL into its bucket and prefix. The
// prefix is returned without leading slash and, if not empty, with one
// trailing slash. The bucket must be a valid S3 bucket name, and the prefix
// (without its trailing slash) a valid store key. Errors wrap ErrInvalidURL.
func ParseURL(rawURL string) (bucket, prefix string, err error) {
	rest, ok := strings.CutPrefix(rawURL, "s3://")
	if !ok {
		return "", "", fmt.Errorf("%w %q: must start with s3://", ErrInvalidURL, rawURL)
	}
	bucket, prefix, _ = strings.Cut(rest, "/")
	if bucket == "" {
		return "", "", fmt.Errorf("%w %q: no bucket", ErrInvalidURL, rawURL)
	}
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return "", "", fmt.Errorf("%w %q: bucket %q: %s", ErrInvalidURL, rawURL, bucket, err.Error())
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix == "" {
		return bucket, "", nil
	}
	if err := store.ValidKey(prefix); err != nil {
		return "", "", fmt.Errorf("%w %q: prefix %q: %s", ErrInvalidURL, rawURL, prefix, err.Error())
	}
	return bucket, prefix + "/", nil
}

// Open returns a Store for the bucket and prefix of rawURL (see ParseURL).
// It checks that the bucket exists and is reachable, so a wrong endpoint,
// bad credentials or a missing bucket fail here: a missing bucket with an
// error wrapping store.ErrNotExist. ctx governs only that check.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	bucket, prefix, err := ParseURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("s3: open: %w", err)
	}
	s, err := newStore(bucket, prefix, opts)
	if err != nil {
		return nil, err
	}
	var exists bool
	err = s.retry(ctx, func(ctx context.Context) error {
		var err error
		exists, err = s.client.BucketExists(ctx, bucket)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("s3: open s3://%s at %s: %w", bucket, s.cfg.endpoint, err)
	}
	if !exists {
		return nil, fmt.Errorf("s3: open s3://%s at %s: bucket %w", bucket, s.cfg.endpoint, store.ErrNotExist)
	}
	return s, nil
}

func newStore(bucket, prefix string, opts []Option) (*Store, error) {
	cfg, err := newConfig(opts)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(cfg.endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("s3: %w: endpoint %q must be http(s)://host[:port] with no path", ErrInvalidURL, cfg.endpoint)
	}
	secure := u.Scheme == "https"
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("s3: endpoint %s: %w", cfg.endpoint, err)
	}
	tr.DialContext = (&net.Dialer{Timeout: min(cfg.stallTimeout, 10*time.Second), KeepAlive: 30 * time.Second}).DialContext
	tr.ResponseHeaderTimeout = cfg.stallTimeout
	creds := cfg.creds
	if creds == nil {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
			&credentials.IAM{Client: &http.Client{Timeout: 10 * time.Second}},
		})
	}
	client, err := minio.New(u.Host, &minio.Options{
		Creds:      creds,
		Secure:     secure,
		Transport:  tr,
		Region:     cfg.region,
		MaxRetries: 1, // we retry ourselves, with our own policy
	})
	if err != nil {
		return nil, fmt.Errorf("s3: endpoint %s: %w", cfg.endpoint, err)
	}
	return &Store{client: client, core: minio.Core{Client: client}, bucket: bucket, prefix: prefix, cfg: cfg}, nil
}

// ReadHint implements store.ReadHinter. Each read is a request, which
// costs a round trip and, on the server, about as much CPU as sending a
// MiB (MinIO on loopback, measured by BenchmarkBuildS3), so readers should
// buffer 8 MiB (objects up to that size then cost one request), and keep
// more requests in flight than there are CPUs, so that some wait on the
// network while others hash: 2 x GOMAXPROCS, at least 8 and at most 32
// (with 8 MiB buffers, at most 256 MiB).
func (s *Store) ReadHint() store.ReadHint {
	return store.ReadHint{Size: 8 << 20, Concurrency: min(max(8, 2*runtime.GOMAXPROCS(0)), 32)}
}

// URL returns the store's s3://bucket/prefix URL, the prefix with its
// trailing slash.
func (s *Store) URL() string { return "s3://" + s.bucket + "/" + s.prefix }

// Bucket returns the name of the store's bucket.
func (s *Store) Bucket() string { return s.bucket }

// Prefix returns the store's prefix: empty, or ending with a slash.
func (s *Store) Prefix() string { return s.prefix }

func (s *Store) loc(key string) string { return "s3://" + s.bucket + "/" + s.prefix + key }

// fail wraps err, the cause of a failed operation on key, into a
// *store.Error that names the bucket and object.
func (s *Store) fail(op, key string, err error) error {
	switch {
	case isNotExist(err) && op == "read":
		// Reads are of an opened object: it existed, so it was deleted.
		err = fmt.Errorf("%s: %w: %w", s.loc(key), ErrChanged, store.ErrNotExist)
	case isNotExist(err):
		err = fmt.Errorf("%s: %w", s.loc(key), store.ErrNotExist)
	case isPreconditionFailed(err):
		err = fmt.Errorf("%s: %w", s.loc(key), ErrChanged)
	default:
		err = fmt.Errorf("%s: %w", s.loc(key), err)
	}
	return &store.Error{Op: op, Key: key, Err: err}
}

func errorResponse(err error) (minio.ErrorResponse, bool) {
	var v minio.ErrorResponse
	if errors.As(err, &v) {
		return v, true
	}
	var p *minio.ErrorResponse
	if errors.As(err, &p) && p != nil {
		return *p, true
	}
	return v, false
}

func isNotExist(err error) bool {
	if errors.Is(err, store.ErrNotExist) {
		return true
	}
	er, ok := errorResponse(err)
	if !ok {
		return false
	}
	switch er.Code {
	case minio.NoSuchKey, "NoSuchVersion":
		return true
	case minio.NoSuchBucket:
		return false
	}
	return er.StatusCode == http.StatusNotFound
}

func isPreconditionFailed(err error) bool {
	er, ok := errorResponse(err)
	return ok && (er.StatusCode == http.StatusPreconditionFailed || er.Code == "PreconditionFailed")
}

// errStalled is the cause of an attempt abandoned for lack of progress.
var errStalled = errors.New("no progress within the stall timeout")

// transient reports whether err, from an attempt made under ctx, is worth
// another attempt.
func transient(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if er, ok := errorResponse(err); ok {
		switch er.Code {
		case "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "RequestTimeTooSkewed",
			"XMinioServerNotInitialized", "XMinioReadQuorum", "XMinioWriteQuorum":
			return true
		}
		return er.StatusCode >= 500 || er.StatusCode == http.StatusTooManyRequests || er.StatusCode == http.StatusRequestTimeout
	}
	if errors.Is(err, store.ErrNotExist) || errors.Is(err, store.ErrSizeMismatch) || errors.Is(err, ErrChanged) ||
		errors.Is(err, store.ErrInvalidKey) || errors.Is(err, errBadResponse) {
		return false
	}
	var (
		unknownCA *x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		record    tls.RecordHeaderError
	)
	if errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &record) {
		return false
	}
	// Everything else is the network: refused or reset connections,
	// timeouts, bodies cut short, stalls.
	return true
}

// backoff waits before attempt n+1 (n >= 1). It returns ctx's error if ctx
// ends first.
func (s *Store) backoff(ctx context.Context, n int) error {
	d := s.cfg.minDelay
	for i := 1; i < n && d < s.cfg.maxDelay; i++ {
		d *= 2
	}
	d = min(d, s.cfg.maxDelay)
	if d > 0 {
		d = d/2 + rand.N(d/2+1)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retry calls fn until it succeeds, fails permanently, or attempts run out.
func (s *Store) retry(ctx context.Context, fn func(context.Context) error) error {
	for n := 1; ; n++ {
		err := fn(ctx)
		if err == nil {
			return nil
		}
		if !transient(ctx, err) {
			return err
		}
		if n >= s.cfg.maxAttempts {
			return gaveUp(err, n)
		}
		if berr := s.backoff(ctx, n); berr != nil {
			return fmt.Errorf("%w (retrying after: %w)", berr, err)
		}
	}
}

func gaveUp(err error, n int) error {
	if n <= 1 {
		return err
	}
	return fmt.Errorf("%w (gave up after %d attempts)", err, n)
}

func (s *Store) info(key string, oi minio.ObjectInfo) store.Info {
	info := store.Info{
		Key:     key,
		Size:    oi.Size,
		ModTime: oi.LastModified.UTC(),
		ETag:    strings.Trim(oi.ETag, `"`),
	}
	if oi.LastModified.IsZero() {
		info.ModTime = time.Time{}
	}
	if oi.VersionID != "" && oi.VersionID != "null" {
		info.VersionID = oi.VersionID
	}
	for _, c := range [...]struct{ name, v string }{
		{"CRC32", oi.ChecksumCRC32},
		{"CRC32C", oi.ChecksumCRC32C},
		{"CRC64NVME", oi.ChecksumCRC64NVME},
		{"SHA1", oi.ChecksumSHA1},
		{"SHA256", oi.ChecksumSHA256},
	} {
		if c.v != "" {
			if info.Checksums == nil {
				info.Checksums = make(map[string]string)
			}
			info.Checksums[c.name] = c.v
		}
	}
	return info
}

// List implements store.Store. Listed Infos carry Key, Size, ModTime and
// ETag; Stat gives version ids and checksums. A listing interrupted by a
// transient failure resumes after the last key it yielded. Zero-byte
// "folder" markers (keys ending in "/") are skipped; any other object
// whose name is not a valid key ends the listing with an error wrapping
// store.ErrInvalidKey.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		if err := store.CheckPrefix(prefix); err != nil {
			yield(store.Info{}, err)
			return
		}
		startAfter := ""
		for n := 1; ; n++ {
			var err error
			progress := false
			for oi := range s.client.ListObjectsIter(ctx, s.bucket, minio.ListObjectsOptions{
				Prefix:     s.prefix + prefix,
				Recursive:  true,
				StartAfter: startAfter,
			}) {
				if oi.Err != nil {
					err = oi.Err
					break
				}
				progress = true
				startAfter = oi.Key
				key, ok := strings.CutPrefix(oi.Key, s.prefix)
				if !ok || (strings.HasSuffix(key, "/") && oi.Size == 0) {
					continue
				}
				if verr := store.ValidKey(key); verr != nil {
					yield(store.Info{}, &store.Error{Op: "list", Key: prefix,
						Err: fmt.Errorf("%s: object %q: %w: %s", s.loc(prefix), oi.Key, store.ErrInvalidKey, verr.Error())})
					return
				}
				if !yield(s.info(key, oi), nil) {
					return
				}
			}
			if err == nil {
				// minio-go ends a listing silently when ctx is done.
				if cerr := ctx.Err(); cerr != nil {
					yield(store.Info{}, s.fail("list", prefix, cerr))
				}
				return
			}
			if progress {
				n = 1
			}
			if !transient(ctx, err) {
				yield(store.Info{}, s.fail("list", prefix, err))
				return
			}
			if n >= s.cfg.maxAttempts {
				yield(store.Info{}, s.fail("list", prefix, gaveUp(err, n)))
				return
			}
			if berr := s.backoff(ctx, n); berr != nil {
				yield(store.Info{}, s.fail("list", prefix, berr))
				return
			}
		}
	}
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	return s.stat(ctx, "stat", key)
}

func (s *Store) stat(ctx context.Context, op, key string) (store.Info, error) {
	if err := store.CheckKey(op, key); err != nil {
		return store.Info{}, err
	}
	var oi minio.ObjectInfo
	err := s.retry(ctx, func(ctx context.Context) error {
		var err error
		oi, err = s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{Checksum: true})
		return err
	})
	if err != nil {
		return store.Info{}, s.fail(op, key, err)
	}
	return s.info(key, oi), nil
}

// Open implements store.Store. It stats the object (so a missing object
// fails here, not at the first read) and returns an Object pinned to the
// version it found; see the package documentation. ctx governs the Object's
// reads until it is closed.
func (s *Store) Open(ctx context.Context, key string) (store.Object, error) {
	info, err := s.stat(ctx, "open", key)
	if err != nil {
		return nil, err
	}
	return &object{s: s, ctx: ctx, info: info}, nil
}

// Put implements store.Store. The size is always passed to the server, and
// the bytes are sent as they are read from r: one PUT up to 16 MiB, a
// multipart upload (parts buffered one at a time) above. If r yields fewer
// or more than size bytes the upload is abandoned before it completes,
// nothing is stored, and the error wraps store.ErrSizeMismatch. Transient
// failures are retried only when r is an io.Seeker (it is rewound to where
// it was when Put was called); otherwise the first failure is returned.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := store.CheckKey("put", key); err != nil {
		return err
	}
	if size < 0 {
		return &store.Error{Op: "put", Key: key, Err: fmt.Errorf("%s: negative size %d", s.loc(key), size)}
	}
	seeker, _ := r.(io.Seeker)
	var start int64
	if seeker != nil {
		var err error
		if start, err = seeker.Seek(0, io.SeekCurrent); err != nil {
			seeker = nil
		}
	}
	for n := 1; ; n++ {
		body := &exactReader{r: r, remaining: size, size: size}
		var err error
		if size == 0 {
			err = body.checkEnd()
		}
		if err == nil {
			_, err = s.client.PutObject(ctx, s.bucket, s.prefix+key, body, size, minio.PutObjectOptions{
				ContentType: "application/octet-stream",
			})
		}
		if body.err != nil {
			// The source failed or had the wrong size: report that, not
			// how the aborted upload looked from the network.
			return s.fail("put", key, body.err)
		}
		if err == nil {
			return nil
		}
		if seeker == nil || !transient(ctx, err) {
			return s.fail("put", key, err)
		}
		if n >= s.cfg.maxAttempts {
			return s.fail("put", key, gaveUp(err, n))
		}
		if berr := s.backoff(ctx, n); berr != nil {
			return s.fail("put", key, berr)
		}
		if _, serr := seeker.Seek(start, io.SeekStart); serr != nil {
			return s.fail("put", key, fmt.Errorf("%w (rewinding the source to retry: %w)", err, serr))
		}
	}
}

// exactReader passes on exactly size bytes of r and fails, with an error
// wrapping store.ErrSizeMismatch, if r has fewer or more. When r turns out
// to be too long, the last bytes are withheld so that the upload cannot
// complete.
type exactReader struct {
	r         io.Reader
	size      int64
	remaining int64
	err       error // sticky: a source error or a size mismatch
	checked   bool
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	if e.remaining == 0 {
		if err := e.checkEnd(); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > e.remaining {
		p = p[:e.remaining]
	}
	n, err := e.r.Read(p)
	if n < 0 || n > len(p) {
		e.err = fmt.Errorf("source reader returned an invalid count %d", n)
		return 0, e.err
	}
	e.remaining -= int64(n)
	if e.remaining == 0 && n > 0 {
		if cerr := e.checkEnd(); cerr != nil {
			return 0, cerr
		}
		return n, nil
	}
	switch {
	case err == io.EOF:
		e.err = fmt.Errorf("%w: declared %d bytes, the source had %d", store.ErrSizeMismatch, e.size, e.size-e.remaining)
		return 0, e.err
	case err != nil:
		e.err = fmt.Errorf("reading the source: %w", err)
		return 0, e.err
	}
	return n, nil
}

// checkEnd verifies that r has nothing after the declared size.
func (e *exactReader) checkEnd() error {
	if e.checked {
		return e.err
	}
	e.checked = true
	var one [1]byte
	for range 100 {
		n, err := e.r.Read(one[:])
		if n > 0 {
			e.err = fmt.Errorf("%w: declared %d bytes, the source has more", store.ErrSizeMismatch, e.size)
			return e.err
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			e.err = fmt.Errorf("reading the source: %w", err)
			return e.err
		}
	}
	e.err = fmt.Errorf("reading the source: %w", io.ErrNoProgress)
	return e.err
}

// Delete implements store.Store. It stats the object first, so deleting a
// missing object returns an error wrapping store.ErrNotExist. On a
// versioned bucket it adds a delete marker; older versions stay.
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.stat(ctx, "delete", key); err != nil {
		return err
	}
	err := s.retry(ctx, func(ctx context.Context) error {
		return s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{})
	})
	if err != nil {
		return s.fail("delete", key, err)
	}
	return nil
}
