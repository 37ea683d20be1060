// Package local is a store.Store over a directory on the local file system.
//
// The store is confined to its directory with os.Root: keys cannot name
// anything outside it, and symbolic links that lead out of it fail instead
// of being followed. Writes go to a temporary file in the target directory
// that is renamed into place, so readers see the old object or the new one.
package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/cairnml/cairn/store"
)

var _ store.Store = (*Store)(nil)

// tmpPrefix starts the names of files that Put writes before renaming
// them into place. List skips them and keys may not use them.
const tmpPrefix = ".cairn-tmp-"

// Store is a directory. It is safe for concurrent use.
type Store struct {
	root *os.Root
	dir  string
}

// Open returns a store over the existing directory dir.
func Open(dir string) (*Store, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("local store: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("local store: %s is not a directory", dir)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("local store: %w", err)
	}
	return &Store{root: root, dir: dir}, nil
}

// Dir returns the directory the store was opened on.
func (s *Store) Dir() string { return s.dir }

// Close releases the directory handle. Objects already opened stay readable.
func (s *Store) Close() error { return s.root.Close() }

// checkKey applies store.ValidKey and the local restrictions: no
// backslashes (a path separator on some systems) and no segment that
// could collide with Put's temporary files.
func checkKey(op, key string) error {
	if err := store.CheckKey(op, key); err != nil {
		return err
	}
	if strings.ContainsRune(key, '\\') {
		return &store.Error{Op: op, Key: key, Err: fmt.Errorf("%w: backslash in a local key", store.ErrInvalidKey)}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if strings.HasPrefix(seg, tmpPrefix) {
			return &store.Error{Op: op, Key: key, Err: fmt.Errorf("%w: segment %q is reserved for temporary files", store.ErrInvalidKey, seg)}
		}
	}
	return nil
}

// List implements store.Store. Regular files are listed; a symbolic link is
// listed as the file it points to if that file is inside the directory,
// and yields an error otherwise. Other kinds of file yield an error, as do
// names that are not valid keys: a dataset directory is expected to hold
// only objects.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		if err := store.CheckPrefix(prefix); err != nil {
			yield(store.Info{}, err)
			return
		}
		// Walk from the deepest directory the prefix names.
		start := "."
		if i := strings.LastIndexByte(prefix, '/'); i >= 0 {
			start = prefix[:i]
		}
		var infos []store.Info
		fsys := s.root.FS()
		err := fs.WalkDir(fsys, start, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if p == start && errors.Is(err, fs.ErrNotExist) {
					return fs.SkipAll
				}
				return err
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				// Prune directories that cannot hold a key with the prefix.
				if p != "." && !strings.HasPrefix(p+"/", prefix) && !strings.HasPrefix(prefix, p+"/") {
					return fs.SkipDir
				}
				return nil
			}
			if strings.HasPrefix(d.Name(), tmpPrefix) || !strings.HasPrefix(p, prefix) {
				return nil
			}
			if !utf8.ValidString(p) {
				return fmt.Errorf("file name %q is not valid UTF-8", p)
			}
			info, err := s.stat(p)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			infos = append(infos, info)
			return nil
		})
		if err != nil {
			yield(store.Info{}, &store.Error{Op: "list", Key: prefix, Err: err})
			return
		}
		slices.SortFunc(infos, func(a, b store.Info) int { return strings.Compare(a.Key, b.Key) })
		for _, info := range infos {
			if !yield(info, nil) {
				return
			}
		}
	}
}

// stat returns the Info of key, following symbolic links inside the root.
func (s *Store) stat(key string) (store.Info, error) {
	fi, err := s.root.Stat(key)
	if err != nil {
		return store.Info{}, describe(err)
	}
	if !fi.Mode().IsRegular() {
		if fi.IsDir() {
			return store.Info{}, fmt.Errorf("%w: is a directory", store.ErrNotExist)
		}
		return store.Info{}, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	return store.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC()}, nil
}

// describe turns an os.Root error into one that says what happened,
// without the root's own path.
func describe(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	if errors.Is(err, fs.ErrNotExist) {
		return store.ErrNotExist
	}
	if strings.Contains(err.Error(), "escapes") {
		return fmt.Errorf("path escapes the store directory (symbolic link?): %w", err)
	}
	return err
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	if err := checkKey("stat", key); err != nil {
		return store.Info{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Info{}, &store.Error{Op: "stat", Key: key, Err: err}
	}
	info, err := s.stat(key)
	if err != nil {
		return store.Info{}, &store.Error{Op: "stat", Key: key, Err: err}
	}
	return info, nil
}

// Open implements store.Store. The opened file keeps reading the version
// that was open even if Put replaces it.
func (s *Store) Open(ctx context.Context, key string) (store.Object, error) {
	if err := checkKey("open", key); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, &store.Error{Op: "open", Key: key, Err: err}
	}
	f, err := s.root.Open(key)
	if err != nil {
		return nil, &store.Error{Op: "open", Key: key, Err: describe(err)}
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		if fi.IsDir() {
			err = fmt.Errorf("%w: is a directory", store.ErrNotExist)
		} else {
			err = fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
		}
	}
	if err != nil {
		f.Close()
		return nil, &store.Error{Op: "open", Key: key, Err: err}
	}
	return &object{f: f, info: store.Info{Key: key, Size: fi.Size(), ModTime: fi.ModTime().UTC()}}, nil
}

// Put implements store.Store: it writes to a temporary file next to the
// target, syncs it, and renames it into place.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) (err error) {
	if err := checkKey("put", key); err != nil {
		return err
	}
	if size < 0 {
		return &store.Error{Op: "put", Key: key, Err: fmt.Errorf("negative size %d", size)}
	}
	fail := func(err error) error { return &store.Error{Op: "put", Key: key, Err: err} }
	dir := path.Dir(key)
	if dir != "." {
		if err := s.root.MkdirAll(dir, 0o755); err != nil {
			return fail(describe(err))
		}
	}
	var rnd [8]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(dir, tmpPrefix+hex.EncodeToString(rnd[:]))
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return fail(describe(err))
	}
	defer func() {
		if err != nil {
			f.Close()
			_ = s.root.Remove(tmp)
		}
	}()
	n, err := io.Copy(f, &ctxReader{ctx: ctx, r: io.LimitReader(r, size+1)})
	if err != nil {
		return fail(err)
	}
	if n != size {
		return fail(fmt.Errorf("%w: declared %d bytes, read %d", store.ErrSizeMismatch, size, n))
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		return fail(err)
	}
	if err := s.root.Rename(tmp, key); err != nil {
		return fail(describe(err))
	}
	// Sync the directory as well, so that the rename is durable when Put
	// returns: a caller that puts two objects in turn (a sidecar, then
	// the manifest that names it) finds them in that order after a crash.
	if runtime.GOOS != "windows" { // Windows cannot sync a directory
		d, err := s.root.Open(dir)
		if err != nil {
			return fail(fmt.Errorf("syncing the directory: %w", describe(err)))
		}
		err = d.Sync()
		d.Close()
		if err != nil {
			return fail(fmt.Errorf("syncing the directory: %w", err))
		}
	}
	return nil
}

// Delete implements store.Store. Directories left empty are removed.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey("delete", key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return &store.Error{Op: "delete", Key: key, Err: err}
	}
	fi, err := s.root.Lstat(key)
	if err == nil && fi.IsDir() {
		err = fmt.Errorf("%w: is a directory", store.ErrNotExist)
	} else if err == nil {
		err = s.root.Remove(key)
	}
	if err != nil {
		return &store.Error{Op: "delete", Key: key, Err: describe(err)}
	}
	for dir := path.Dir(key); dir != "."; dir = path.Dir(dir) {
		if s.root.Remove(dir) != nil { // fails on a non-empty directory
			break
		}
	}
	return nil
}

var _ store.Mapper = (*object)(nil)

type object struct {
	f    *os.File
	info store.Info

	mapOnce sync.Once
	mapped  []byte
	mapErr  error
}

func (o *object) ReadAt(p []byte, off int64) (int, error) {
	n, err := o.f.ReadAt(p, off)
	if err != nil && err != io.EOF {
		return n, &store.Error{Op: "read", Key: o.info.Key, Err: err}
	}
	return n, err
}
func (o *object) Size() int64      { return o.info.Size }
func (o *object) Info() store.Info { return o.info }

// Map implements store.Mapper with a read-only shared mapping of the
// file. A Put that replaces the object leaves the mapping on the old
// version; writing to the file in place shows through, and truncating it
// makes reads of the lost pages fault (see store.Mapper).
func (o *object) Map() ([]byte, error) {
	o.mapOnce.Do(func() {
		o.mapped, o.mapErr = mmap(o.f, o.info.Size)
		if o.mapErr != nil {
			o.mapErr = &store.Error{Op: "read", Key: o.info.Key, Err: o.mapErr}
		}
	})
	return o.mapped, o.mapErr
}

// Drop implements store.Mapper.
func (o *object) Drop(off, n int64) {
	if o.mapped != nil {
		drop(o.mapped, off, n)
	}
}

// Close unmaps the object, if it was mapped, and closes the file.
func (o *object) Close() error {
	var err error
	o.mapOnce.Do(func() {}) // no mapping after Close
	if o.mapped != nil {
		err = munmap(o.mapped)
		o.mapped = nil
	}
	if cerr := o.f.Close(); err == nil {
		err = cerr
	}
	return err
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
