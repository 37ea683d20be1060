package classify

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Finding is one sensitive value found in a text.
type Finding struct {
	// Entity is the entity type, e.g. "EMAIL_ADDRESS".
	Entity string `json:"type"`
	// Start and End are code-point offsets into the text, End exclusive.
	// Each byte of invalid UTF-8 counts as one code point (as when ranging
	// over a Go string).
	Start int `json:"start"`
	End   int `json:"end"`
	// ByteStart and ByteEnd are the same range in bytes.
	ByteStart int `json:"-"`
	ByteEnd   int `json:"-"`
	// Score is the detector's score after context words, in [0, 1].
	Score float64 `json:"score"`
	// Detector names the detector that found it.
	Detector string `json:"-"`
}

// Result is what Scan found in one text.
type Result struct {
	Findings []Finding
	// Scanned is the number of bytes scanned; less than the text length
	// when Truncated.
	Scanned int
	// Truncated reports that the text was longer than Options.MaxBytes and
	// only its prefix was scanned.
	Truncated bool
	// InvalidUTF8 reports that the text was not valid UTF-8; it was still
	// scanned (invalid bytes cannot be part of a finding).
	InvalidUTF8 bool
	// Binary reports that the text looked like binary data (NUL or many
	// control bytes) and was not scanned.
	Binary bool
}

// Options configure a Scanner. The zero value means the defaults.
type Options struct {
	// MinScore drops findings scoring below it after context. Default 0.5.
	MinScore float64
	// MaxBytes caps how much of one text is scanned. Default 1 MiB.
	MaxBytes int
	// Entities restricts scanning to these entity types; empty means all.
	Entities []string
	// ContextBoost is added to a score when a positive context word is
	// near; ContextPenalty is subtracted for a negative one. Defaults 0.35
	// and 0.4.
	ContextBoost, ContextPenalty float64
	// Window is how many bytes before a match are searched for context
	// words (half as many after). Default 48.
	Window int
}

// DefaultMaxBytes is the default cap on the bytes of one text scanned.
const DefaultMaxBytes = 1 << 20

func (o *Options) setDefaults() error {
	if o.MinScore == 0 {
		o.MinScore = 0.5
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.ContextBoost == 0 {
		o.ContextBoost = 0.35
	}
	if o.ContextPenalty == 0 {
		o.ContextPenalty = 0.4
	}
	if o.Window == 0 {
		o.Window = 48
	}
	switch {
	case o.MinScore < 0 || o.MinScore > 1:
		return fmt.Errorf("classify: MinScore %v outside [0, 1]", o.MinScore)
	case o.MaxBytes < 0:
		return fmt.Errorf("classify: negative MaxBytes %d", o.MaxBytes)
	case o.Window < 0 || o.ContextBoost < 0 || o.ContextPenalty < 0:
		return errors.New("classify: negative context option")
	}
	return nil
}

type scanDetector struct {
	d    Detector
	pre  Prefilter
	span spanFinder
	ctx  ContextWords
}

// Scanner finds sensitive values in free text with a fixed set of
// detectors. It is safe for concurrent use.
type Scanner struct {
	opts      Options
	detectors []scanDetector
	anySpan   bool
}

// NewScanner returns a scanner using the detectors of reg (a snapshot:
// later changes to reg are not seen). A nil reg means DefaultRegistry().
func NewScanner(reg *Registry, opts Options) (*Scanner, error) {
	if err := opts.setDefaults(); err != nil {
		return nil, err
	}
	if reg == nil {
		reg = DefaultRegistry()
	}
	s := &Scanner{opts: opts}
	for _, d := range reg.Detectors() {
		if len(opts.Entities) > 0 && !slices.ContainsFunc(d.Entities(), func(e string) bool { return slices.Contains(opts.Entities, e) }) {
			continue
		}
		sd := scanDetector{d: d}
		sd.pre, _ = d.(Prefilter)
		sd.span, _ = d.(spanFinder)
		if cp, ok := d.(ContextProvider); ok {
			sd.ctx = cp.Context()
		}
		if sd.span != nil {
			s.anySpan = true
		}
		s.detectors = append(s.detectors, sd)
	}
	return s, nil
}

// Options returns the scanner's options with defaults filled in.
func (s *Scanner) Options() Options { return s.opts }

// Scan finds the sensitive values in text. Overlapping findings are
// resolved: the higher score wins, then the longer span, then the earlier
// start, then the entity name, so the result is deterministic. Findings
// are in order of Start.
func (s *Scanner) Scan(text string) Result {
	return s.scan(text, "")
}

// ScanWithHint is Scan with extra context words, such as a column name,
// counted as if they were near every match.
func (s *Scanner) ScanWithHint(text, hint string) Result {
	return s.scan(text, strings.ToLower(hint))
}

func (s *Scanner) scan(text, hint string) (res Result) {
	if len(text) > s.opts.MaxBytes {
		cut := s.opts.MaxBytes
		for cut > 0 && cut > s.opts.MaxBytes-utf8.UTFMax && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
		res.Truncated = true
	}
	res.Scanned = len(text)
	if text == "" {
		return res
	}
	var f Features
	computeFeatures(text, &f)
	if f.NonASCII > 0 && !utf8.ValidString(text) {
		res.InvalidUTF8 = true
	}
	if looksBinary(text, &f) {
		res.Binary = true
		return res
	}
	var spans []numSpan
	if s.anySpan && f.Digits >= 7 {
		spans = numberSpans(nil, text)
	}
	buf := matchPool.Get().(*matchBuf)
	defer matchPool.Put(buf)
	ms, owner := buf.ms[:0], buf.owner[:0] // owner: detector index of each match
	defer func() { buf.ms, buf.owner = ms[:0], owner[:0] }()
	for i := range s.detectors {
		sd := &s.detectors[i]
		if sd.pre != nil && !sd.pre.MayMatch(&f) {
			continue
		}
		n := len(ms)
		if sd.span != nil {
			if len(spans) > 0 {
				ms = sd.span.findSpans(ms, text, spans)
			}
		} else {
			ms = safeFind(sd.d, ms, text)
		}
		for range len(ms) - n {
			owner = append(owner, i)
		}
	}
	if len(ms) == 0 {
		return res
	}
	cands := make([]Finding, 0, len(ms))
	for k, m := range ms {
		if m.Start < 0 || m.End > len(text) || m.Start >= m.End {
			continue // a misbehaving detector
		}
		if len(s.opts.Entities) > 0 && !slices.Contains(s.opts.Entities, m.Entity) {
			continue
		}
		sd := &s.detectors[owner[k]]
		score := s.contextScore(text, hint, m, &sd.ctx)
		if score < s.opts.MinScore {
			continue
		}
		cands = append(cands, Finding{Entity: m.Entity, ByteStart: m.Start, ByteEnd: m.End, Score: score, Detector: sd.d.Name()})
	}
	res.Findings = resolveOverlaps(cands)
	fillCodePoints(text, res.Findings)
	return res
}

type matchBuf struct {
	ms    []Match
	owner []int
}

var matchPool = sync.Pool{New: func() any { return &matchBuf{} }}

// safeFind calls a detector, turning a panic in user code into no matches.
func safeFind(d Detector, dst []Match, text string) (out []Match) {
	n := len(dst)
	defer func() {
		if recover() != nil {
			out = dst[:n]
		}
	}()
	return d.Find(dst, text)
}

func looksBinary(text string, f *Features) bool {
	if strings.IndexByte(text, 0) >= 0 {
		return true
	}
	return f.Control*10 > f.Len // more than 10% control bytes
}

func (s *Scanner) contextScore(text, hint string, m Match, cw *ContextWords) float64 {
	score := m.Score
	if len(cw.Positive) == 0 && len(cw.Negative) == 0 {
		return score
	}
	lo := max(0, m.Start-s.opts.Window)
	hi := min(len(text), m.End+s.opts.Window/2)
	before, after := text[lo:m.Start], text[m.End:hi]
	near := func(w string) bool {
		return containsWordFold(before, w) || containsWordFold(after, w) || (hint != "" && containsWord(hint, w))
	}
	for _, w := range cw.Positive {
		if near(w) {
			score += s.opts.ContextBoost
			break
		}
	}
	for _, w := range cw.Negative {
		if near(w) {
			score -= s.opts.ContextPenalty
			break
		}
	}
	return min(1, max(0, score))
}

// containsWord reports whether w occurs in s with no letter or digit
// immediately before or after it.
func containsWord(s, w string) bool {
	for off := 0; ; {
		i := strings.Index(s[off:], w)
		if i < 0 {
			return false
		}
		i += off
		j := i + len(w)
		if (i == 0 || !isWordByte(s[i-1])) && (j == len(s) || !isWordByte(s[j])) {
			return true
		}
		off = i + 1
	}
}

// containsWordFold is containsWord ignoring ASCII case in s (w is lower
// case), without allocating.
func containsWordFold(s, w string) bool {
	if len(w) == 0 || len(w) > len(s) {
		return false
	}
	for i := 0; i+len(w) <= len(s); i++ {
		if lowerASCII(s[i]) != w[0] || (i > 0 && isWordByte(s[i-1])) {
			continue
		}
		k := 1
		for k < len(w) && lowerASCII(s[i+k]) == w[k] {
			k++
		}
		if k == len(w) && (i+k == len(s) || !isWordByte(s[i+k])) {
			return true
		}
	}
	return false
}

func lowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func isWordByte(c byte) bool { return isAlnum(c) || c >= 0x80 }

// resolveOverlaps keeps a maximal set of non-overlapping findings, best
// first: higher score, longer, earlier, then by entity name and detector.
func resolveOverlaps(c []Finding) []Finding {
	if len(c) <= 1 {
		return c
	}
	slices.SortFunc(c, func(a, b Finding) int {
		if r := cmp.Compare(b.Score, a.Score); r != 0 {
			return r
		}
		if r := cmp.Compare(b.ByteEnd-b.ByteStart, a.ByteEnd-a.ByteStart); r != 0 {
			return r
		}
		if r := cmp.Compare(a.ByteStart, b.ByteStart); r != 0 {
			return r
		}
		if r := strings.Compare(a.Entity, b.Entity); r != 0 {
			return r
		}
		return strings.Compare(a.Detector, b.Detector)
	})
	// kept is sorted by start and free of overlaps, so a candidate can
	// only overlap its neighbours at the insertion point.
	kept := make([]Finding, 0, len(c))
	for _, f := range c {
		i, _ := slices.BinarySearchFunc(kept, f.ByteStart, func(k Finding, s int) int { return cmp.Compare(k.ByteStart, s) })
		if i > 0 && kept[i-1].ByteEnd > f.ByteStart {
			continue
		}
		if i < len(kept) && kept[i].ByteStart < f.ByteEnd {
			continue
		}
		kept = slices.Insert(kept, i, f)
	}
	return kept
}

// fillCodePoints sets Start and End from the byte offsets of findings,
// which are sorted by ByteStart and do not overlap, in one pass over text.
func fillCodePoints(text string, fs []Finding) {
	b, n := 0, 0
	advance := func(o int) int {
		for b < o {
			_, w := utf8.DecodeRuneInString(text[b:])
			b += w
			n++
		}
		return n
	}
	for i := range fs {
		fs[i].Start = advance(fs[i].ByteStart)
		fs[i].End = advance(fs[i].ByteEnd)
	}
}
