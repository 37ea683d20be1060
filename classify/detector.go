package classify

import (
	"errors"
	"fmt"
	"slices"
	"sync"
)

// Match is one candidate a Detector found in a text: an entity type and a
// byte range [Start, End) of the text, with a score in [0, 1] before context
// words are applied.
type Match struct {
	Entity     string
	Start, End int
	Score      float64
}

// Detector finds one or more entity types in text.
//
// Find appends the matches it finds in text to dst and returns the extended
// slice. Offsets are byte offsets into text, End exclusive, and must lie on
// UTF-8 sequence boundaries. Find must accept any string (invalid UTF-8,
// binary, empty) without panicking, must not retain text, and must be safe
// for concurrent use: the Scanner calls it from many goroutines. Matches may
// overlap; the Scanner resolves overlaps.
type Detector interface {
	// Name identifies the detector in a Registry; unique within it.
	Name() string
	// Entities lists the entity types Find may report.
	Entities() []string
	// Find appends the matches in text to dst.
	Find(dst []Match, text string) []Match
}

// Prefilter is implemented by detectors that can rule a text out from its
// Features alone. The Scanner skips Find when MayMatch returns false, so
// MayMatch must never return false for a text Find would match in.
type Prefilter interface {
	MayMatch(f *Features) bool
}

// ContextWords are words that, found near a match (or in the column name
// when classifying a column), raise (Positive) or lower (Negative) its
// score. Words are lower case; a phrase of several words matches as a
// substring of the lower-cased surroundings on word boundaries.
type ContextWords struct {
	Positive []string
	Negative []string
}

// ContextProvider is implemented by detectors whose matches are scored with
// context words.
type ContextProvider interface {
	Context() ContextWords
}

// Features are cheap facts about a text computed in one pass before any
// detector runs. Detectors use them in MayMatch.
type Features struct {
	Len         int // bytes
	Digits      int // ASCII digits
	Upper       int // ASCII upper-case letters
	Lower       int // ASCII lower-case letters
	At          int // '@'
	Colons      int // ':'
	Dots        int // '.'
	Dashes      int // '-'
	Slashes     int // '/'
	MaxDigitRun int // longest run of consecutive ASCII digits
	MaxAlnumRun int // longest run of consecutive ASCII letters and digits
	Control     int // bytes < 0x20 other than \t \n \r, and 0x7f
	NonASCII    int // bytes >= 0x80
}

func computeFeatures(s string, f *Features) {
	*f = Features{Len: len(s)}
	dr, ar := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			f.Digits++
			dr++
			ar++
			if dr > f.MaxDigitRun {
				f.MaxDigitRun = dr
			}
			if ar > f.MaxAlnumRun {
				f.MaxAlnumRun = ar
			}
			continue
		case c >= 'A' && c <= 'Z':
			f.Upper++
			ar++
		case c >= 'a' && c <= 'z':
			f.Lower++
			ar++
		default:
			ar = 0
			switch c {
			case '@':
				f.At++
			case ':':
				f.Colons++
			case '.':
				f.Dots++
			case '-':
				f.Dashes++
			case '/':
				f.Slashes++
			case '\t', '\n', '\r':
			default:
				if c < 0x20 || c == 0x7f {
					f.Control++
				} else if c >= 0x80 {
					f.NonASCII++
				}
			}
		}
		dr = 0
		if ar > f.MaxAlnumRun {
			f.MaxAlnumRun = ar
		}
	}
}

// ErrDuplicateDetector is returned by Registry.Register when a detector with
// the same name is already registered.
var ErrDuplicateDetector = errors.New("classify: duplicate detector name")

// Registry is an ordered set of detectors. It is safe for concurrent use;
// a Scanner takes a snapshot of it when created.
type Registry struct {
	mu        sync.RWMutex
	detectors []Detector
}

// NewRegistry returns a registry holding ds, in order. It fails if two
// share a name or one is nil.
func NewRegistry(ds ...Detector) (*Registry, error) {
	r := &Registry{}
	for _, d := range ds {
		if err := r.Register(d); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// DefaultRegistry returns a new registry holding the built-in detectors.
func DefaultRegistry() *Registry {
	return &Registry{detectors: Builtin()}
}

// Register adds d. Names must be unique and non-empty.
func (r *Registry) Register(d Detector) error {
	if d == nil {
		return errors.New("classify: nil detector")
	}
	if d.Name() == "" {
		return errors.New("classify: detector with an empty name")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.detectors {
		if e.Name() == d.Name() {
			return fmt.Errorf("%w: %q", ErrDuplicateDetector, d.Name())
		}
	}
	r.detectors = append(r.detectors, d)
	return nil
}

// Remove removes the detector named name and reports whether it was there.
func (r *Registry) Remove(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	i := slices.IndexFunc(r.detectors, func(d Detector) bool { return d.Name() == name })
	if i < 0 {
		return false
	}
	r.detectors = slices.Delete(r.detectors, i, i+1)
	return true
}

// Lookup returns the detector named name.
func (r *Registry) Lookup(name string) (Detector, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, d := range r.detectors {
		if d.Name() == name {
			return d, true
		}
	}
	return nil, false
}

// Detectors returns the registered detectors in registration order.
func (r *Registry) Detectors() []Detector {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.detectors)
}

// Entities returns the sorted, distinct entity types of the registered
// detectors, plus the column-only types (see ColumnEntities).
func (r *Registry) Entities() []string {
	var out []string
	for _, d := range r.Detectors() {
		out = append(out, d.Entities()...)
	}
	out = append(out, ColumnEntities...)
	slices.Sort(out)
	return slices.Compact(out)
}
