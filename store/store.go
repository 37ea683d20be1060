// Package store is cairn's view of "a flat namespace of objects": a local
// directory, an S3 bucket prefix, or memory.
//
// Keys are slash-separated relative paths of valid UTF-8 with no empty, "."
// or ".." segments and no NUL bytes (see [ValidKey]). Keys are compared as
// bytes: no Unicode normalization, no case folding. Every implementation
// lists in ascending byte order of key, so a dataset enumerated from any store
// is enumerated in the same order.
//
// Implementations live in subpackages: store/local (a directory confined with
// os.Root), store/s3 (minio-go), store/mem (tests and examples). The
// conformance suite in store/storetest is run against each of them.
package store

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrNotExist reports that an object does not exist. It satisfies
// errors.Is(err, fs.ErrNotExist).
var ErrNotExist = fs.ErrNotExist

// ErrInvalidKey reports a key that is not a valid object key (see ValidKey).
var ErrInvalidKey = errors.New("invalid object key")

// ErrSizeMismatch reports that a Put received more or fewer bytes than the
// size it declared, or that an object changed size while it was being read.
var ErrSizeMismatch = errors.New("size mismatch")

// ErrChanged reports that an object was replaced, modified or deleted after
// it was opened, so that a read of the version that was opened could not be
// served. Stores whose Objects are Pinned return it, wrapped in an *Error,
// from any read that fails for that reason.
var ErrChanged = errors.New("object changed since it was opened")

// Error records an operation on one object that failed. Err is the class of
// failure (ErrNotExist, ErrInvalidKey, ErrSizeMismatch, ErrChanged, or a
// backend error) and is returned by Unwrap.
type Error struct {
	Op  string // "list", "stat", "open", "read", "put", "delete"
	Key string // the object key (or prefix, for list)
	Err error
}

func (e *Error) Error() string { return e.Op + " " + quoteKey(e.Key) + ": " + e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

func quoteKey(k string) string {
	if k == "" {
		return `""`
	}
	if utf8.ValidString(k) && !strings.ContainsAny(k, " \t\n\"") {
		return k
	}
	return fmt.Sprintf("%q", k)
}

// Info describes one object. Size is always set; the other fields are set
// where the backend has them and are empty otherwise. Cryptographic checks in
// cairn never rely on ETag or Checksums: they are store metadata, recorded
// for the cheap "metadata" verification mode.
type Info struct {
	Key       string
	Size      int64
	ModTime   time.Time         // zero if unknown
	VersionID string            // object version, on versioned buckets
	ETag      string            // without surrounding quotes
	Checksums map[string]string // algorithm ("CRC32C", "SHA256", ...) -> value as the backend reports it
}

// Store is a flat namespace of objects.
//
// All methods are safe for concurrent use. Every method that takes a key
// returns an *Error wrapping ErrInvalidKey for a key that fails ValidKey,
// and one wrapping ErrNotExist (so errors.Is(err, fs.ErrNotExist) holds)
// when the object is missing.
type Store interface {
	// List yields the objects whose keys start with prefix, in ascending
	// byte order of key. An empty prefix lists everything. The prefix is a
	// plain string prefix, not a directory: "a/b" matches "a/b", "a/bc" and
	// "a/b/c". Listing stops when the caller stops ranging; no goroutine or
	// connection outlives the loop. An error is yielded once, as the last
	// element.
	List(ctx context.Context, prefix string) iter.Seq2[Info, error]

	// Stat returns the object's Info.
	Stat(ctx context.Context, key string) (Info, error)

	// Open opens the object for random access. The returned Object reads
	// one consistent version of the object: if the object is replaced or
	// deleted after Open, reads either still see the version that was
	// opened or fail with an error; they never mix versions. ctx governs
	// the reads made through the Object until it is closed.
	Open(ctx context.Context, key string) (Object, error)

	// Put stores exactly size bytes read from r under key, replacing any
	// object already there. It is atomic: concurrent readers see the old
	// object or the new one, never a mix, and a Put that fails (including
	// when r yields more or fewer than size bytes, which wraps
	// ErrSizeMismatch) leaves the old object in place.
	Put(ctx context.Context, key string, r io.Reader, size int64) error

	// Delete removes the object. Deleting a missing object returns an
	// error wrapping ErrNotExist.
	Delete(ctx context.Context, key string) error
}

// Object is an open object. ReadAt follows io.ReaderAt: it returns
// io.EOF when fewer than len(p) bytes remain, and never returns a short
// read without an error. Object is safe for concurrent use by several
// readers.
type Object interface {
	io.ReaderAt
	io.Closer
	// Size is the size of the opened version of the object.
	Size() int64
	// Info is the Info of the opened version.
	Info() Info
}

// Mapper is an optional interface of an Object whose bytes can be read
// through a read-only memory mapping, without the copy ReadAt makes.
// Check for it with a type assertion; read an Object that does not
// implement it, or whose Map fails, with ReadAt.
//
// The mapping does not keep ReadAt's promise of one consistent version:
//   - It shows the object's storage as it is now. If the object is
//     modified in place after Open (not replaced: a Put leaves a mapping
//     of the old version intact), the mapped bytes may change while they
//     are read. A caller that needs integrity must hash what it read and
//     compare, and check the size again afterwards (Stat).
//   - If the object is truncated, reading a mapped page past its new end
//     raises SIGBUS, which kills the program unless the reading goroutine
//     has called runtime/debug.SetPanicOnFault(true) and recovers the
//     panic (a runtime.Error whose Addr method returns the faulting
//     address). An I/O error while the kernel reads a page in does the
//     same. Guard every read of the mapping that way.
//   - The bytes must not be written to: the mapping is read-only, and a
//     write faults the same way.
type Mapper interface {
	Object
	// Map returns the object's Size() bytes as a read-only mapping, valid
	// until Close; reading it after Close faults. A zero-byte object maps
	// to an empty slice. Map may be called from several goroutines and
	// more than once; every call returns the same slice (or error). An
	// error means the object cannot be mapped; ReadAt still works.
	Map() ([]byte, error)
	// Drop tells the Object that the caller is done, for now, with bytes
	// [off, off+n) of the mapping, so that they need not count in the
	// process's resident memory. The slice stays valid: reading those
	// bytes again is correct, only slower. Ranges outside the object are
	// ignored. A caller that maps an object larger than memory should
	// Drop what it has read, to keep its resident memory bounded.
	Drop(off, n int64)
}

// RangeReader is an optional interface of an Object that can stream a
// range of its bytes. Where each ReadAt is a request (S3), one stream of a
// whole range costs one request, where reading it in buffer-sized ReadAts
// costs one each, and the reader needs no buffer the size of the range.
// Check for it with a type assertion.
type RangeReader interface {
	Object
	// ReadRange returns a reader of the n bytes at off of the opened
	// version, with ReadAt's consistency. The range must lie within
	// [0, Size()]. The reader returns io.EOF after exactly n bytes and
	// never before: if it cannot deliver them all, it returns an error
	// other than io.EOF. A reader is for one goroutine, but an Object may
	// have several open at once. Close each reader, before the Object; a
	// reader that is not read to its end may hold a connection until then.
	ReadRange(off, n int64) (io.ReadCloser, error)
}

// Pinned is an optional interface of an Object whose reads the backend
// itself checks against the opened version, whoever changes the object and
// however: every ReadAt, and every stream of a RangeReader, delivers bytes
// of the version that was opened or fails, and a read that fails because
// the object was replaced, modified or deleted returns an error wrapping
// ErrChanged. (S3 is such a store: each request names the opened version
// id or requires its ETag.) A reader that must know whether the object
// changed while it read it then learns it from its reads, and need not Stat
// the object again afterwards. A store that cannot promise this, such as a
// directory whose files may be rewritten in place, does not implement
// Pinned; check for it with a type assertion.
type Pinned interface {
	Object
	// Pinned reports whether this Object's reads are checked so. It does
	// no I/O, and its answer does not change.
	Pinned() bool
}

// ReadHinter is an optional interface of a Store that advises how it is
// best read in bulk. Check for it with a type assertion; read a Store
// without it with the caller's defaults. The hint is advice: reads of any
// size, made with any concurrency, stay correct.
type ReadHinter interface {
	Store
	// ReadHint returns the advice. It does no I/O.
	ReadHint() ReadHint
}

// ReadHint is a Store's advice on reading it in bulk. A zero field means no
// advice.
type ReadHint struct {
	// Size is the read buffer, in bytes, that pays for what each read
	// costs (on S3, a request: a round trip, and work on the server): a
	// reader that can afford it should read objects of up to Size bytes in
	// one read, and larger ones in reads (or streams, see RangeReader) of
	// at least Size.
	Size int
	// Concurrency is how many reads to keep in flight to hide the store's
	// latency, which may be more than the CPUs.
	Concurrency int
}

// ValidKey reports whether key is a valid object key: non-empty, valid
// UTF-8, no NUL byte, no leading or trailing slash, and no empty, "." or
// ".." segment. Backslashes are allowed (they are ordinary bytes in object
// keys) but local stores reject them, as they do any key that could
// mean something else on the host file system.
func ValidKey(key string) error {
	if key == "" {
		return errors.New("empty key")
	}
	if !utf8.ValidString(key) {
		return errors.New("key is not valid UTF-8")
	}
	if strings.IndexByte(key, 0) >= 0 {
		return errors.New("key contains a NUL byte")
	}
	if key[0] == '/' {
		return errors.New("key is absolute (leading slash)")
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return errors.New("key has an empty segment")
		case ".", "..":
			return fmt.Errorf("key has a %q segment", seg)
		}
	}
	return nil
}

// CheckKey returns an *Error wrapping ErrInvalidKey if key is not valid, and
// nil otherwise. Implementations call it at the start of every method.
func CheckKey(op, key string) error {
	if err := ValidKey(key); err != nil {
		return &Error{Op: op, Key: key, Err: fmt.Errorf("%w: %s", ErrInvalidKey, err.Error())}
	}
	return nil
}

// CheckPrefix returns an *Error wrapping ErrInvalidKey if prefix cannot be
// the start of any valid key, and nil otherwise. The empty prefix is valid.
func CheckPrefix(prefix string) error {
	if prefix == "" {
		return nil
	}
	// A prefix is valid if it is a valid key, or a valid key followed by
	// "/", or a partial final segment; ValidKey of prefix+"x" covers all.
	if err := ValidKey(prefix + "x"); err != nil {
		return &Error{Op: "list", Key: prefix, Err: fmt.Errorf("%w: %s", ErrInvalidKey, err.Error())}
	}
	return nil
}

// ReadAll reads a whole object into memory. It is meant for small objects
// (manifests, sidecars); it refuses objects larger than limit bytes.
func ReadAll(ctx context.Context, s Store, key string, limit int64) ([]byte, error) {
	obj, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer obj.Close()
	n := obj.Size()
	if n > limit {
		return nil, &Error{Op: "read", Key: key, Err: fmt.Errorf("object is %d bytes, over the %d-byte limit", n, limit)}
	}
	buf := make([]byte, n)
	if _, err := obj.ReadAt(buf, 0); err != nil && !(errors.Is(err, io.EOF) && n == 0) {
		return nil, err
	}
	return buf, nil
}
