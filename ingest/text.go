package ingest

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cespare/xxhash/v2"
)

// MaxTokenBytes is the longest token kept; longer runs are cut to this
// many bytes (at a rune boundary).
const MaxTokenBytes = 64

// Tokenize splits s into tokens and calls fn for each, in order. A token
// is a maximal run of Unicode letters and digits, lowercased
// (unicode.ToLower, rune by rune), at least 2 runes long and cut to
// MaxTokenBytes. Everything else (punctuation, spaces, symbols, invalid
// UTF-8) separates tokens. The same tokenizer is used to build profiles
// and to check batches.
func Tokenize(s string, fn func(tok string)) {
	var b strings.Builder
	runes := 0
	flushTok := func() {
		if runes >= 2 {
			fn(b.String())
		}
		b.Reset()
		runes = 0
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r != utf8.RuneError && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			if b.Len()+utf8.RuneLen(r) <= MaxTokenBytes {
				if r < utf8.RuneSelf {
					if 'A' <= r && r <= 'Z' {
						r += 'a' - 'A'
					}
					b.WriteByte(byte(r))
				} else {
					b.WriteRune(unicode.ToLower(r))
				}
			}
			runes++
			continue
		}
		flushTok()
	}
	flushTok()
}

// TokenHash is the 64-bit hash of a token used for MinHash signatures.
func TokenHash(tok string) uint64 { return xxhash.Sum64String(tok) }
