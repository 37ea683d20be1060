package classify

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"path"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"github.com/zeebo/blake3"
	"go.yaml.in/yaml/v3"
)

// Action is what de-identification does to a column or a finding.
type Action string

// The actions. On a whole column: drop removes it from the schema; redact
// makes every value null; mask and tokenize replace every value (the
// column becomes a string column); keep leaves it untouched and unscanned;
// scan (the default for columns without a rule) scans text and integer
// values and applies the entity rules to each finding. On a finding in
// scanned text: redact replaces it with "<TYPE>", mask replaces its letters
// and digits with the mask character except the last KeepLast, tokenize
// replaces it with a keyed token, drop removes it and keep leaves it.
const (
	Drop     Action = "drop"
	Redact   Action = "redact"
	Mask     Action = "mask"
	Tokenize Action = "tokenize"
	Keep     Action = "keep"
	Scan     Action = "scan"
)

// ErrPolicy is the class of errors in a de-identification policy.
var ErrPolicy = errors.New("invalid de-identification policy")

// PolicyError locates a problem in a policy.
type PolicyError struct {
	Field string // e.g. "columns[2].action"
	Msg   string
}

// Error implements error.
func (e *PolicyError) Error() string { return fmt.Sprintf("policy: %s: %s", e.Field, e.Msg) }

// Unwrap returns ErrPolicy.
func (e *PolicyError) Unwrap() error { return ErrPolicy }

// Policy says how to de-identify data. Its file form is YAML or JSON:
//
//	default: tokenize          # entity types without a rule
//	entities:
//	  US_SSN: redact
//	  DATE_TIME: keep
//	columns:
//	  - column: contact.email  # dotted path; path.Match patterns; a rule
//	    action: tokenize       # on a struct or list covers what is under it
//	    entity: EMAIL_ADDRESS  # normalisation used for tokens (optional)
//	  - column: internal_notes
//	    action: drop
//	mask: {char: "*", keep_last: 4}
type Policy struct {
	Default  Action            `yaml:"default" json:"default"`
	Entities map[string]Action `yaml:"entities" json:"entities"`
	Columns  []ColumnRule      `yaml:"columns" json:"columns"`
	Mask     MaskOptions       `yaml:"mask" json:"mask"`
}

// ColumnRule is the action for the columns matching Column.
type ColumnRule struct {
	Column string `yaml:"column" json:"column"`
	Action Action `yaml:"action" json:"action"`
	Entity string `yaml:"entity" json:"entity"`
}

// MaskOptions configure masking.
type MaskOptions struct {
	Char     string `yaml:"char" json:"char"`
	KeepLast *int   `yaml:"keep_last" json:"keep_last"`
}

// DefaultPolicy tokenizes every finding except secrets, which are
// redacted, and dates, which are kept; no column rules.
func DefaultPolicy() *Policy {
	return &Policy{
		Default: Tokenize,
		Entities: map[string]Action{
			"DATE_TIME": Keep, "AWS_ACCESS_KEY": Redact, "GITHUB_TOKEN": Redact, "SLACK_TOKEN": Redact,
			"STRIPE_KEY": Redact, "GOOGLE_API_KEY": Redact, "PRIVATE_KEY": Redact, "JWT": Redact, "GENERIC_SECRET": Redact,
		},
	}
}

// ParsePolicy reads a policy in YAML or JSON (JSON is read as YAML),
// rejecting unknown fields, and validates it against the entity types of
// reg (nil means the default registry).
func ParsePolicy(r io.Reader, reg *Registry) (*Policy, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var p Policy
	if err := dec.Decode(&p); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &PolicyError{Field: "(file)", Msg: "empty policy"}
		}
		return nil, fmt.Errorf("%w: %w", ErrPolicy, err)
	}
	if err := p.Validate(reg); err != nil {
		return nil, err
	}
	return &p, nil
}

// Validate checks actions, entity names, column patterns and mask options.
// It fills in defaults: Default redact, mask char "*", keep_last 4.
func (p *Policy) Validate(reg *Registry) error {
	if reg == nil {
		reg = DefaultRegistry()
	}
	known := reg.Entities()
	if p.Default == "" {
		p.Default = Redact
	}
	spanActions := []Action{Drop, Redact, Mask, Tokenize, Keep}
	if !slices.Contains(spanActions, p.Default) {
		return &PolicyError{Field: "default", Msg: fmt.Sprintf("unknown action %q (want one of drop, redact, mask, tokenize, keep)", p.Default)}
	}
	for e, a := range p.Entities {
		if !slices.Contains(known, e) {
			return &PolicyError{Field: "entities." + e, Msg: fmt.Sprintf("unknown entity type (known: %s)", strings.Join(known, ", "))}
		}
		if !slices.Contains(spanActions, a) {
			return &PolicyError{Field: "entities." + e, Msg: fmt.Sprintf("unknown action %q (want one of drop, redact, mask, tokenize, keep)", a)}
		}
	}
	for i, c := range p.Columns {
		f := fmt.Sprintf("columns[%d]", i)
		if c.Column == "" {
			return &PolicyError{Field: f + ".column", Msg: "missing"}
		}
		if _, err := path.Match(c.Column, ""); err != nil {
			return &PolicyError{Field: f + ".column", Msg: fmt.Sprintf("bad pattern %q: %v", c.Column, err)}
		}
		if !slices.Contains([]Action{Drop, Redact, Mask, Tokenize, Keep, Scan}, c.Action) {
			return &PolicyError{Field: f + ".action", Msg: fmt.Sprintf("unknown action %q (want one of drop, redact, mask, tokenize, keep, scan)", c.Action)}
		}
		if c.Entity != "" && !slices.Contains(known, c.Entity) {
			return &PolicyError{Field: f + ".entity", Msg: fmt.Sprintf("unknown entity type %q", c.Entity)}
		}
	}
	if p.Mask.Char == "" {
		p.Mask.Char = "*"
	}
	if utf8.RuneCountInString(p.Mask.Char) != 1 {
		return &PolicyError{Field: "mask.char", Msg: fmt.Sprintf("want one character, got %q", p.Mask.Char)}
	}
	if p.Mask.KeepLast == nil {
		k := 4
		p.Mask.KeepLast = &k
	}
	if *p.Mask.KeepLast < 0 || *p.Mask.KeepLast > 64 {
		return &PolicyError{Field: "mask.keep_last", Msg: fmt.Sprintf("%d outside 0..64", *p.Mask.KeepLast)}
	}
	return nil
}

// entityAction returns the action for findings of entity e.
func (p *Policy) entityAction(e string) Action {
	if a, ok := p.Entities[e]; ok {
		return a
	}
	return p.Default
}

// columnRule returns the most specific rule matching col or one of its
// parents (by path segments), or nil.
func (p *Policy) columnRule(col string) *ColumnRule {
	clean := strings.ReplaceAll(col, "[]", "")
	var best *ColumnRule
	bestLen := -1
	for i := range p.Columns {
		r := &p.Columns[i]
		for cand := clean; ; {
			if ok, _ := path.Match(r.Column, cand); ok || r.Column == col {
				if len(cand) > bestLen {
					best, bestLen = r, len(cand)
				}
				break
			}
			j := strings.LastIndexByte(cand, '.')
			if j < 0 {
				break
			}
			cand = cand[:j]
		}
	}
	return best
}

// Tokenizer maps values to stable keyed tokens: the keyed BLAKE3 hash of
// the value normalised for its entity type, so the same person's email
// gets the same token in every table and joins still work. It is safe for
// concurrent use.
type Tokenizer struct {
	key [32]byte
}

// tokenContext separates cairn's tokenization key from other uses of the
// key material.
const tokenContext = "cairn classify tokenization v1"

// MinKeyBytes is the least key material NewTokenizer accepts.
const MinKeyBytes = 16

// NewTokenizer derives the tokenization key from key material (at least
// MinKeyBytes bytes) with BLAKE3's key derivation.
func NewTokenizer(key []byte) (*Tokenizer, error) {
	if len(key) < MinKeyBytes {
		return nil, fmt.Errorf("classify: tokenization key has %d bytes, want at least %d", len(key), MinKeyBytes)
	}
	t := &Tokenizer{}
	blake3.DeriveKey(tokenContext, key, t.key[:])
	return t, nil
}

// Token returns "tok_" and 32 hex digits (128 bits) of the keyed hash of
// Normalize(entity, value).
func (t *Tokenizer) Token(entity, value string) string {
	h, _ := blake3.NewKeyed(t.key[:])
	_, _ = h.WriteString(Normalize(entity, value))
	var sum [16]byte
	_, _ = h.Digest().Read(sum[:])
	return "tok_" + hex.EncodeToString(sum[:])
}

// Normalize returns the canonical form of a value of an entity type, the
// form that is tokenized: digits only for numeric identifiers, E.164 for
// phone numbers, lower case for emails, names and places, upper case
// without separators for alphanumeric identifiers, the canonical text of
// IP addresses; otherwise the trimmed value with runs of white space
// collapsed.
func Normalize(entity, value string) string {
	v := strings.Join(strings.Fields(value), " ")
	switch entity {
	case "EMAIL_ADDRESS", "PERSON", "LOCATION", "MAC_ADDRESS":
		if entity == "MAC_ADDRESS" {
			return strings.Map(func(r rune) rune {
				if unicode.Is(unicode.ASCII_Hex_Digit, r) {
					return unicode.ToLower(r)
				}
				return -1
			}, v)
		}
		return strings.ToLower(v)
	case "PHONE_NUMBER":
		region := "US"
		if strings.HasPrefix(v, "+") {
			region = "ZZ"
		}
		if n, err := phonenumbers.Parse(v, region); err == nil {
			return phonenumbers.Format(n, phonenumbers.E164)
		}
		return digitsOnly(v)
	case "CREDIT_CARD", "US_SSN", "US_ITIN", "US_BANK_NUMBER", "UK_NHS", "CA_SIN", "IN_AADHAAR", "AU_TFN", "AU_ABN", "PL_PESEL":
		return digitsOnly(v)
	case "IBAN_CODE", "UK_NINO", "IN_PAN", "SG_NRIC_FIN", "ES_NIF", "IT_FISCAL_CODE":
		return strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(v))
	case "IP_ADDRESS":
		if a, err := netip.ParseAddr(v); err == nil {
			return a.String()
		}
	}
	return v
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// maskString replaces letters and digits with c, keeping the last keep of
// them; other characters stay, so formats remain recognisable.
func maskString(s string, c string, keep int) string {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			n++
		}
	}
	var b strings.Builder
	b.Grow(len(s))
	i := 0
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			i++
			if i <= n-keep {
				b.WriteString(c)
				continue
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}
