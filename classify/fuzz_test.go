package classify

import (
	"math/big"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzScan(f *testing.F) {
	for _, s := range []string{
		"card 4111 1111 1111 1111", "a@example.com", "+44 20 7946 0958", "\xff\xfe\x00", "GB82 WEST 1234 5698 7654 32",
		"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.x", "-----BEGIN PRIVATE KEY-----", "2001:db8::1 ::: 1.2.3.4.5",
		"((((+1 (202) 555-0143", "é 536-22-1234 ü", strings.Repeat("1 ", 100),
	} {
		f.Add(s)
	}
	s, err := NewScanner(nil, Options{MaxBytes: 4096})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		r := s.Scan(text)
		prev := -1
		for _, fd := range r.Findings {
			if fd.ByteStart < 0 || fd.ByteEnd > r.Scanned || fd.ByteStart >= fd.ByteEnd {
				t.Fatalf("bad range %+v in %q", fd, text)
			}
			if fd.ByteStart < prev {
				t.Fatalf("overlapping or unsorted findings %+v", r.Findings)
			}
			prev = fd.ByteEnd
			if got := utf8.RuneCountInString(text[:fd.ByteStart]); got != fd.Start {
				t.Fatalf("Start %d, want %d code points", fd.Start, got)
			}
			if got := utf8.RuneCountInString(text[:fd.ByteEnd]); got != fd.End {
				t.Fatalf("End %d, want %d code points", fd.End, got)
			}
			if fd.Score < 0.5 || fd.Score > 1 {
				t.Fatalf("score %v", fd.Score)
			}
		}
	})
}

// refIBAN is the obviously correct IBAN check: move the first four
// characters to the end, letters to numbers, mod 97 with big integers.
func refIBAN(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 4 || ibanLengths[s[:2]] != len(s) || !isDigits(s[2:4]) {
		return false
	}
	var b strings.Builder
	for _, c := range s[4:] + s[:4] {
		switch {
		case c >= '0' && c <= '9':
			b.WriteRune(c)
		case c >= 'A' && c <= 'Z':
			b.WriteString(big.NewInt(int64(c - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func FuzzValidators(f *testing.F) {
	for _, s := range []string{"GB82WEST12345698765432", "4111111111111111", "S1234567D", "RSSMRA85T10A562S", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, v := range []func(string) bool{Luhn, Verhoeff, CreditCard, USSSN, USITIN, ABARouting, UKNHS, CASIN, INAadhaar,
			AUTFN, AUABN, PLPESEL, SGNRIC, ESNIF, ITFiscalCode, UKNINO, INPAN, BitcoinBase58, BitcoinBech32, GitHubToken, validJWT, validURL, validIP, validDateText} {
			v(s)
		}
		if IBAN(s) != refIBAN(s) {
			t.Fatalf("IBAN(%q) = %v, reference %v", s, IBAN(s), refIBAN(s))
		}
	})
}

func FuzzNumberSpans(f *testing.F) {
	f.Add("call (202) 555-0143 or +44 20 7946 0958, 1 2 3")
	f.Fuzz(func(t *testing.T, s string) {
		for _, sp := range numberSpans(nil, s) {
			if sp.start < 0 || sp.end > len(s) || sp.start > sp.groups[0][0] || len(sp.groups) == 0 {
				t.Fatalf("bad span %+v", sp)
			}
			last := sp.start
			for _, g := range sp.groups {
				if g[0] < last || g[1] <= g[0] || !isDigits(s[g[0]:g[1]]) {
					t.Fatalf("bad group %v in %+v of %q", g, sp, s)
				}
				last = g[1]
			}
			if last != sp.end {
				t.Fatalf("span end %d, last group ends %d", sp.end, last)
			}
		}
	})
}

func FuzzParsePolicy(f *testing.F) {
	f.Add("default: tokenize\nentities: {US_SSN: redact}\ncolumns: [{column: a.*, action: drop}]\nmask: {char: '#', keep_last: 2}")
	f.Add(`{"default": "mask"}`)
	f.Fuzz(func(t *testing.T, src string) {
		p, err := ParsePolicy(strings.NewReader(src), nil)
		if err == nil && (p.Mask.KeepLast == nil || p.Default == "") {
			t.Fatalf("validated policy without defaults: %+v", p)
		}
	})
}

func FuzzParseRules(f *testing.F) {
	f.Add("rules:\n  - name: x\n    entity: X\n    pattern: 'a(b)'\n    group: 1\n")
	f.Fuzz(func(t *testing.T, src string) {
		ds, err := ParseRules(strings.NewReader(src))
		if err != nil {
			return
		}
		for _, d := range ds {
			d.Find(nil, "some text ab 4111111111111111")
		}
	})
}
