package classify

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func newTestScanner(t testing.TB, opts Options) *Scanner {
	t.Helper()
	s, err := NewScanner(nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type want struct {
	entity     string
	start, end int // code points
}

func TestScanFindings(t *testing.T) {
	s := newTestScanner(t, Options{})
	cases := []struct {
		text string
		want []want
	}{
		{"card 4111 1111 1111 1111 exp 12/25", []want{{"CREDIT_CARD", 5, 24}}},
		{"Ünïcødé ✓ jane.doe@example.com", []want{{"EMAIL_ADDRESS", 10, 30}}},
		{"my ssn is 536-22-1234.", []want{{"US_SSN", 10, 21}}},
		{"call +44 20 7946 0958 today", []want{{"PHONE_NUMBER", 5, 21}}},
		{"IBAN: GB82 WEST 1234 5698 7654 32", []want{{"IBAN_CODE", 6, 33}}},
		{"from 192.168.1.20 via 2001:db8::8a2e:370:7334", []want{{"IP_ADDRESS", 5, 17}, {"IP_ADDRESS", 22, 45}}},
		{"NHS number 943 476 5919", []want{{"UK_NHS", 11, 23}}},
		{"SIN: 130 692 544", []want{{"CA_SIN", 5, 16}}},
		{"key AKIAIOSFODNN7EXAMPLE", []want{{"AWS_ACCESS_KEY", 4, 24}}},
		{"password: 'q8Zr2Lx9Vb7Nm4Kp1Tj6Wc3Hy5Gd0Fs'", []want{{"GENERIC_SECRET", 11, 42}}},
		// Near misses: bad checksums, numbers in prose.
		{"card 4111 1111 1111 1112", nil},
		{"ssn 666-22-1234", nil},
		{"We shipped 1,234,567 units in 2023 at 99.5% uptime.", nil},
		{"version 10.2.3.4 released", nil},
		{"IBAN GB82 WEST 1234 5698 7654 33", nil},
		{"user@localhost is not an address", nil},
	}
	for _, c := range cases {
		r := s.Scan(c.text)
		var got []want
		for _, f := range r.Findings {
			got = append(got, want{f.Entity, f.Start, f.End})
			if rs := []rune(c.text); string(rs[f.Start:f.End]) != c.text[f.ByteStart:f.ByteEnd] {
				t.Errorf("%q: code points [%d,%d) = %q, bytes give %q", c.text, f.Start, f.End, string(rs[f.Start:f.End]), c.text[f.ByteStart:f.ByteEnd])
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Scan(%q) = %+v, want %+v", c.text, got, c.want)
		}
	}
}

func TestScanContextWords(t *testing.T) {
	s := newTestScanner(t, Options{})
	// A bare Luhn-valid 9-digit number is not a SIN on its own...
	if r := s.Scan("ref 130692544"); len(r.Findings) != 0 {
		t.Errorf("bare number: %+v, want nothing", r.Findings)
	}
	// ...but is with a context word.
	r := s.Scan("her social insurance number 130692544")
	if len(r.Findings) != 1 || r.Findings[0].Entity != "CA_SIN" || r.Findings[0].Score != 0.2+0.35 {
		t.Errorf("with context: %+v, want one CA_SIN scored 0.55", r.Findings)
	}
	// A column name counts as context.
	r = s.ScanWithHint("130692544", "sin")
	if len(r.Findings) != 1 || r.Findings[0].Entity != "CA_SIN" {
		t.Errorf("with hint: %+v, want CA_SIN", r.Findings)
	}
	// A negative word lowers a card number below the threshold.
	base := s.Scan("4111111111111111")
	neg := s.Scan("tracking 4111111111111111")
	if len(base.Findings) != 1 || base.Findings[0].Score != 0.9 {
		t.Fatalf("bare card: %+v", base.Findings)
	}
	if len(neg.Findings) != 1 || neg.Findings[0].Score != 0.5 {
		t.Errorf("card after 'tracking': %+v, want score 0.5", neg.Findings)
	}
}

// fixed is a test detector returning fixed matches.
type fixed struct {
	name string
	ms   []Match
}

func (f *fixed) Name() string { return f.name }
func (f *fixed) Entities() []string {
	var e []string
	for _, m := range f.ms {
		e = append(e, m.Entity)
	}
	return e
}
func (f *fixed) Find(dst []Match, text string) []Match { return append(dst, f.ms...) }

type panicky struct{}

func (panicky) Name() string                       { return "panicky" }
func (panicky) Entities() []string                 { return []string{"X"} }
func (panicky) Find(dst []Match, _ string) []Match { panic("boom") }

func TestOverlapResolution(t *testing.T) {
	text := "0123456789abcdef"
	reg, err := NewRegistry(
		&fixed{"a", []Match{{"A", 0, 6, 0.7}, {"A2", 10, 12, 0.6}}},
		&fixed{"b", []Match{{"B", 4, 10, 0.9}, {"B2", 11, 16, 0.6}}},
		&fixed{"c", []Match{{"C", 0, 3, 0.7}, {"Z", -1, 3, 1}, {"Z", 5, 99, 1}}}, // out-of-range ignored
		panicky{},
	)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScanner(reg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	// B (0.9) wins over A and overlaps nothing else kept; C [0,3) fits
	// before it; of A2 [10,12) and B2 [11,16) with equal scores, the
	// longer B2 wins.
	exp := []want{{"C", 0, 3}, {"B", 4, 10}, {"B2", 11, 16}}
	for range 5 {
		r := s.Scan(text)
		var got []want
		for _, f := range r.Findings {
			got = append(got, want{f.Entity, f.Start, f.End})
		}
		if !slices.Equal(got, exp) {
			t.Fatalf("got %+v, want %+v", got, exp)
		}
	}
	if err := reg.Register(&fixed{name: "a"}); !errors.Is(err, ErrDuplicateDetector) {
		t.Errorf("duplicate register: %v, want ErrDuplicateDetector", err)
	}
}

func TestScanBadInput(t *testing.T) {
	s := newTestScanner(t, Options{MaxBytes: 64})
	// Invalid UTF-8 before a finding: each bad byte is one code point.
	r := s.Scan("\xff\xfe a@example.com")
	if !r.InvalidUTF8 || len(r.Findings) != 1 || r.Findings[0].Start != 3 || r.Findings[0].End != 16 {
		t.Errorf("invalid UTF-8: %+v", r)
	}
	// Binary.
	r = s.Scan("\x00\x01\x02 a@example.com")
	if !r.Binary || len(r.Findings) != 0 {
		t.Errorf("binary: %+v", r)
	}
	// Enormous: only MaxBytes scanned, cut on a rune boundary.
	long := strings.Repeat("é", 40) + " a@example.com"
	r = s.Scan(long)
	if !r.Truncated || r.Scanned != 64 || len(r.Findings) != 0 {
		t.Errorf("truncated: %+v", r)
	}
	r = s.Scan(strings.Repeat("x", 63) + "é")
	if !r.Truncated || r.Scanned != 63 {
		t.Errorf("rune boundary: scanned %d, want 63", r.Scanned)
	}
	if _, err := NewScanner(nil, Options{MinScore: 2}); err == nil {
		t.Error("MinScore 2 accepted")
	}
}

func TestScanEntitiesFilter(t *testing.T) {
	s := newTestScanner(t, Options{Entities: []string{"EMAIL_ADDRESS"}})
	r := s.Scan("a@example.com 4111 1111 1111 1111")
	if len(r.Findings) != 1 || r.Findings[0].Entity != "EMAIL_ADDRESS" {
		t.Errorf("%+v, want only the email", r.Findings)
	}
}

func TestRules(t *testing.T) {
	ds, err := ParseRules(strings.NewReader(`
rules:
  - name: employee
    entity: EMPLOYEE_ID
    pattern: '\bEMP-(\d{6})\b'
    group: 1
    score: 0.4
    context: [Employee]
  - name: card_like
    entity: INTERNAL_CARD
    pattern: '\b\d{16}\b'
    validator: luhn
`))
	if err != nil {
		t.Fatal(err)
	}
	reg := DefaultRegistry()
	for _, d := range ds {
		if err := reg.Register(d); err != nil {
			t.Fatal(err)
		}
	}
	s, err := NewScanner(reg, Options{Entities: []string{"EMPLOYEE_ID", "INTERNAL_CARD"}})
	if err != nil {
		t.Fatal(err)
	}
	r := s.Scan("employee EMP-123456, 1234567812345670 and 1234567812345671" + strings.Repeat(".", 60) + " EMP-654321")
	var got []string
	for _, f := range r.Findings {
		got = append(got, f.Entity+":"+r2s(f))
	}
	want := []string{"EMPLOYEE_ID:13-19", "INTERNAL_CARD:21-37"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	bad := []struct{ src, msg string }{
		{"", "empty"},
		{"rules: []", "no rules"},
		{"rules:\n  - name: x\n    entity: X\n    pattern: '('", "pattern"},
		{"rules:\n  - name: x\n    entity: lower\n    pattern: 'a'", "UPPER_CASE"},
		{"rules:\n  - name: x\n    entity: X\n    pattern: 'a'\n    validator: nope", "unknown validator"},
		{"rules:\n  - name: x\n    entity: X\n    pattern: 'a'\n    score: 3", "score"},
		{"rules:\n  - name: x\n    entity: X\n    pattern: 'a'\n    group: 2", "group"},
		{"rules:\n  - name: x\n    entity: X\n    pattern: 'a'\n    colour: red", "colour"},
		{"rules:\n  - name: x\n    entity: X\n    pattern: 'a'\n  - name: x\n    entity: Y\n    pattern: 'b'", "duplicate"},
	}
	for _, b := range bad {
		_, err := ParseRules(strings.NewReader(b.src))
		if !errors.Is(err, ErrRules) || !strings.Contains(err.Error(), b.msg) {
			t.Errorf("ParseRules(%q) = %v, want ErrRules mentioning %q", b.src, err, b.msg)
		}
	}
}

func r2s(f Finding) string {
	return itoa(f.Start) + "-" + itoa(f.End)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

// A Scanner is used from many goroutines at once (run with -race).
func TestScannerConcurrent(t *testing.T) {
	s := newTestScanner(t, Options{})
	texts := []string{"card 4111 1111 1111 1111", "a@example.com +44 20 7946 0958", "GB82 WEST 1234 5698 7654 32 on 2024-01-02"}
	want := make([][]Finding, len(texts))
	for i, x := range texts {
		want[i] = s.Scan(x).Findings
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for k := range 50 {
				i := (g + k) % len(texts)
				if got := s.Scan(texts[i]).Findings; !slices.Equal(got, want[i]) {
					done <- errors.New("concurrent scan differs: " + texts[i])
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
