// Package mem is an in-memory store.Store, for tests and examples.
package mem

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cairnml/cairn/store"
)

var _ store.Store = (*Store)(nil)

// Store keeps objects in memory. The zero value is an empty store ready to
// use. Objects are immutable once stored: Put replaces the whole object, so
// an Object opened before a Put keeps reading the old bytes.
type Store struct {
	mu      sync.RWMutex
	objects map[string]object
	version int
}

type object struct {
	data []byte
	info store.Info
}

// New returns an empty store.
func New() *Store { return &Store{} }

// List implements store.Store.
func (s *Store) List(ctx context.Context, prefix string) iter.Seq2[store.Info, error] {
	return func(yield func(store.Info, error) bool) {
		if err := store.CheckPrefix(prefix); err != nil {
			yield(store.Info{}, err)
			return
		}
		s.mu.RLock()
		var infos []store.Info
		for k, o := range s.objects {
			if strings.HasPrefix(k, prefix) {
				infos = append(infos, o.info)
			}
		}
		s.mu.RUnlock()
		slices.SortFunc(infos, func(a, b store.Info) int { return strings.Compare(a.Key, b.Key) })
		for _, info := range infos {
			if err := ctx.Err(); err != nil {
				yield(store.Info{}, &store.Error{Op: "list", Key: prefix, Err: err})
				return
			}
			if !yield(info, nil) {
				return
			}
		}
	}
}

// Stat implements store.Store.
func (s *Store) Stat(ctx context.Context, key string) (store.Info, error) {
	o, err := s.get(ctx, "stat", key)
	return o.info, err
}

func (s *Store) get(ctx context.Context, op, key string) (object, error) {
	if err := store.CheckKey(op, key); err != nil {
		return object{}, err
	}
	if err := ctx.Err(); err != nil {
		return object{}, &store.Error{Op: op, Key: key, Err: err}
	}
	s.mu.RLock()
	o, ok := s.objects[key]
	s.mu.RUnlock()
	if !ok {
		return object{}, &store.Error{Op: op, Key: key, Err: store.ErrNotExist}
	}
	return o, nil
}

// Open implements store.Store.
func (s *Store) Open(ctx context.Context, key string) (store.Object, error) {
	o, err := s.get(ctx, "open", key)
	if err != nil {
		return nil, err
	}
	return &reader{r: bytes.NewReader(o.data), info: o.info}, nil
}

// Put implements store.Store.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	if err := store.CheckKey("put", key); err != nil {
		return err
	}
	if size < 0 {
		return &store.Error{Op: "put", Key: key, Err: fmt.Errorf("negative size %d", size)}
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, size+1))
	if err != nil {
		return &store.Error{Op: "put", Key: key, Err: err}
	}
	if n != size {
		return &store.Error{Op: "put", Key: key, Err: fmt.Errorf("%w: declared %d bytes, read %d", store.ErrSizeMismatch, size, n)}
	}
	if err := ctx.Err(); err != nil {
		return &store.Error{Op: "put", Key: key, Err: err}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.objects == nil {
		s.objects = make(map[string]object)
	}
	s.version++
	s.objects[key] = object{
		data: buf.Bytes(),
		info: store.Info{Key: key, Size: size, ModTime: time.Now().UTC(), VersionID: fmt.Sprint(s.version)},
	}
	return nil
}

// Delete implements store.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	if _, err := s.get(ctx, "delete", key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.objects[key]; !ok {
		return &store.Error{Op: "delete", Key: key, Err: store.ErrNotExist}
	}
	delete(s.objects, key)
	return nil
}

type reader struct {
	r    *bytes.Reader
	info store.Info
}

func (o *reader) ReadAt(p []byte, off int64) (int, error) {
	n, err := o.r.ReadAt(p, off)
	if err != nil && err != io.EOF {
		return n, &store.Error{Op: "read", Key: o.info.Key, Err: err}
	}
	return n, err
}
func (o *reader) Size() int64      { return o.info.Size }
func (o *reader) Info() store.Info { return o.info }
func (o *reader) Close() error     { return nil }
