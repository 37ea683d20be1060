package classify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// ErrRules is the class of errors in a rules file.
var ErrRules = errors.New("invalid detection rules")

// Rule is one regular-expression detector read from a rules file:
//
//	rules:
//	  - name: employee_id
//	    entity: EMPLOYEE_ID
//	    pattern: '\bEMP-\d{6}\b'
//	    score: 0.8
//	    group: 0              # submatch that is the finding (optional)
//	    validator: luhn       # optional, see Validators
//	    context: [employee, staff]
//	    negative_context: [order]
//
// Patterns use Go's RE2 syntax, so matching takes linear time.
type Rule struct {
	Name            string   `yaml:"name" json:"name"`
	Entity          string   `yaml:"entity" json:"entity"`
	Pattern         string   `yaml:"pattern" json:"pattern"`
	Score           *float64 `yaml:"score" json:"score"`
	Group           int      `yaml:"group" json:"group"`
	Validator       string   `yaml:"validator" json:"validator"`
	Context         []string `yaml:"context" json:"context"`
	NegativeContext []string `yaml:"negative_context" json:"negative_context"`
}

// Validators are the checks a rule may name in its validator field. The
// numeric ones see only the digits of the match.
var Validators = map[string]func(string) bool{
	"luhn":        func(s string) bool { return Luhn(digitsOnly(s)) },
	"verhoeff":    func(s string) bool { return Verhoeff(digitsOnly(s)) },
	"iban":        IBAN,
	"credit_card": func(s string) bool { return CreditCard(digitsOnly(s)) },
	"aba":         func(s string) bool { return ABARouting(digitsOnly(s)) },
	"entropy":     highEntropySecret,
}

// ParseRules reads detection rules in YAML or JSON and returns one
// Detector per rule. Errors name the rule at fault.
func ParseRules(r io.Reader) ([]Detector, error) {
	data, err := io.ReadAll(io.LimitReader(r, 4<<20))
	if err != nil {
		return nil, err
	}
	var file struct {
		Rules []Rule `yaml:"rules" json:"rules"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&file); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%w: empty rules file", ErrRules)
		}
		return nil, fmt.Errorf("%w: %w", ErrRules, err)
	}
	if len(file.Rules) == 0 {
		return nil, fmt.Errorf("%w: no rules", ErrRules)
	}
	seen := map[string]bool{}
	var out []Detector
	for i, ru := range file.Rules {
		d, err := ru.Detector()
		if err != nil {
			return nil, fmt.Errorf("rules[%d]: %w", i, err)
		}
		if seen[ru.Name] {
			return nil, fmt.Errorf("%w: rules[%d]: duplicate name %q", ErrRules, i, ru.Name)
		}
		seen[ru.Name] = true
		out = append(out, d)
	}
	return out, nil
}

// Detector compiles the rule into a Detector.
func (ru Rule) Detector() (Detector, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: rule %q: %s", ErrRules, ru.Name, fmt.Sprintf(format, args...))
	}
	if ru.Name == "" {
		return nil, bad("missing name")
	}
	if ru.Entity == "" || strings.ToUpper(ru.Entity) != ru.Entity || strings.ContainsAny(ru.Entity, " \t") {
		return nil, bad("entity %q must be a non-empty UPPER_CASE name", ru.Entity)
	}
	if ru.Pattern == "" {
		return nil, bad("missing pattern")
	}
	re, err := regexp.Compile(ru.Pattern)
	if err != nil {
		return nil, bad("pattern: %v", err)
	}
	if ru.Group < 0 || ru.Group > re.NumSubexp() {
		return nil, bad("group %d but the pattern has %d groups", ru.Group, re.NumSubexp())
	}
	score := 0.6
	if ru.Score != nil {
		score = *ru.Score
	}
	if score < 0 || score > 1 {
		return nil, bad("score %v outside [0, 1]", score)
	}
	d := &regexDetector{name: ru.Name, entity: ru.Entity, re: re, group: ru.Group, score: score}
	if ru.Validator != "" {
		v, ok := Validators[ru.Validator]
		if !ok {
			names := slices.Sorted(maps.Keys(Validators))
			return nil, bad("unknown validator %q (known: %s)", ru.Validator, strings.Join(names, ", "))
		}
		d.valid = v
	}
	for _, w := range ru.Context {
		d.ctx.Positive = append(d.ctx.Positive, strings.ToLower(w))
	}
	for _, w := range ru.NegativeContext {
		d.ctx.Negative = append(d.ctx.Negative, strings.ToLower(w))
	}
	if lit, complete := re.LiteralPrefix(); lit != "" && !complete {
		d.literals = []string{lit}
	}
	return d, nil
}
