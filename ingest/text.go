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

// Tokenize splits s into tokens and calls fn for each, in order (each
// token is a fresh string the caller may keep). A token
// is a maximal run of Unicode letters and digits, lowercased
// (unicode.ToLower, rune by rune), at least 2 runes long and cut to
// MaxTokenBytes. Everything else (punctuation, spaces, symbols, invalid
// UTF-8) separates tokens. The same tokenizer is used to build profiles
// and to check batches.
func Tokenize(s string, fn func(tok string)) {
	tokenize(s, func(tok string) { fn(strings.Clone(tok)) })
}

// tokenize is Tokenize without the copy: a token may be a substring of s
// (and so share memory with an Arrow buffer). Callers that keep a token
// must clone it; sketch.Frequent does.
func tokenize(s string, fn func(tok string)) {
	var b []byte
	for i := 0; i < len(s); {
		// Find the next run of letters and digits.
		start, runes, plain := -1, 0, true
		j := i
		for j < len(s) {
			c := s[j]
			if c < utf8.RuneSelf {
				if 'a' <= c && c <= 'z' || '0' <= c && c <= '9' {
				} else if 'A' <= c && c <= 'Z' {
					plain = false
				} else {
					break
				}
				if start < 0 {
					start = j
				}
				runes++
				j++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[j:])
			if r == utf8.RuneError || !(unicode.IsLetter(r) || unicode.IsDigit(r)) {
				break
			}
			if start < 0 {
				start = j
			}
			plain = false
			runes++
			j += size
		}
		if start < 0 {
			// s[j] separates: skip it.
			_, size := utf8.DecodeRuneInString(s[j:])
			i = j + size
			continue
		}
		i = j
		if runes < 2 {
			continue
		}
		run := s[start:j]
		if plain {
			if len(run) > MaxTokenBytes {
				run = run[:MaxTokenBytes]
			}
			fn(run) // a substring of s: no allocation
			continue
		}
		b = b[:0]
		for _, r := range run {
			r = unicode.ToLower(r)
			if len(b)+utf8.RuneLen(r) > MaxTokenBytes {
				break
			}
			b = utf8.AppendRune(b, r)
		}
		fn(string(b))
	}
}

// TokenHash is the 64-bit hash of a token used for MinHash signatures.
func TokenHash(tok string) uint64 { return xxhash.Sum64String(tok) }
