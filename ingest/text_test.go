package ingest

import (
	"strings"
	"testing"
	"unicode"
)

// tokenizeRef is the obviously correct tokenizer the fast one must match.
func tokenizeRef(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(strings.ToValidUTF8(s, "\x00"), func(r rune) bool { return !(unicode.IsLetter(r) || unicode.IsDigit(r)) }) {
		if len([]rune(f)) < 2 {
			continue
		}
		var b []rune
		n := 0
		for _, r := range f {
			r = unicode.ToLower(r)
			if n+len(string(r)) > MaxTokenBytes {
				break
			}
			n += len(string(r))
			b = append(b, r)
		}
		out = append(out, string(b))
	}
	return out
}

func tokens(s string) []string {
	var out []string
	Tokenize(s, func(t string) { out = append(out, t) })
	return out
}

func TestTokenize(t *testing.T) {
	got := strings.Join(tokens("U.S. Grain exports, 1987: 12.5 mln TONNES of whEAT — Ünïcode ok a x9"), "|")
	want := "grain|exports|1987|12|mln|tonnes|of|wheat|ünïcode|ok|x9"
	if got != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"Hello, World", "a\xffbc", "ÀÉÎ õü", strings.Repeat("x", 100), "İstanbul"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, want := tokens(s), tokenizeRef(s)
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%q: got %q want %q", s, got, want)
		}
	})
}
