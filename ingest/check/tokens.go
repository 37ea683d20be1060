package check

import (
	"slices"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/ingest/sketch"
)

// maxDocTokens bounds the distinct tokens kept per document (the first
// seen). Tokens are ingest.Tokenize's, hashed with ingest.TokenHash, so a
// check sees the same tokens a profile does.
const maxDocTokens = 1000

// tokenizer splits text into distinct tokens. It reuses its buffers and is
// not safe for concurrent use.
type tokenizer struct {
	hashes []uint64
	toks   []string
	seen   map[uint64]struct{}
}

func newTokenizer() *tokenizer { return &tokenizer{seen: make(map[uint64]struct{})} }

// tokens returns the distinct tokens of s and their hashes, in first-seen
// order. The slices are reused by the next call.
func (t *tokenizer) tokens(s string) ([]string, []uint64) {
	t.hashes = t.hashes[:0]
	t.toks = t.toks[:0]
	clear(t.seen)
	ingest.Tokenize(s, func(tok string) {
		if len(t.toks) >= maxDocTokens {
			return
		}
		h := ingest.TokenHash(tok)
		if _, dup := t.seen[h]; dup {
			return
		}
		t.seen[h] = struct{}{}
		t.hashes = append(t.hashes, h)
		t.toks = append(t.toks, tok)
	})
	return t.toks, t.hashes
}

// saltHash makes the hashes of different text columns distinct.
func saltHash(h uint64, col int) uint64 {
	if col == 0 {
		return h
	}
	return sketch.SplitMix64(h ^ uint64(col)*0x9e3779b97f4a7c15)
}

// sortedUnique sorts hs and removes duplicates in place.
func sortedUnique(hs []uint64) []uint64 {
	slices.Sort(hs)
	return slices.Compact(hs)
}
