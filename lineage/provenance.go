package lineage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// Provenance says where a dataset came from, who collected it, under what
// authority and licences, and what it may be used for.
type Provenance struct {
	// CollectedBy names the person or organisation that collected the data.
	CollectedBy string `json:"collected_by,omitempty"`
	// Sources are where the data was obtained, sorted by URI.
	Sources []Source `json:"sources,omitempty"`
	// Method says how it was collected (crawl, survey, export, sensor...).
	Method    string     `json:"method,omitempty"`
	Timeframe *Timeframe `json:"timeframe,omitempty"`
	Authority *Authority `json:"authority,omitempty"`
	// Licenses are SPDX licence expressions or URLs (see
	// CanonicalLicense), sorted.
	Licenses []string `json:"licenses,omitempty"`
	// PermittedUses and ProhibitedUses are free-form use labels, such as
	// "training", "evaluation", "commercial", sorted; no label may be in
	// both.
	PermittedUses  []string `json:"permitted_uses,omitempty"`
	ProhibitedUses []string `json:"prohibited_uses,omitempty"`
}

// Source is one origin of the data.
type Source struct {
	URI string `json:"uri"`
	// RetrievedAt is an RFC 3339 date ("2025-03-01") or date-time.
	RetrievedAt string `json:"retrieved_at,omitempty"`
	// Digest is a digest of what was retrieved, "alg:hex".
	Digest string `json:"digest,omitempty"`
}

// Timeframe is the period the data covers; each end is an RFC 3339 date
// or date-time, and either may be empty (open).
type Timeframe struct {
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

// Authority is the lawful basis on which the data was collected and may be
// processed.
type Authority struct {
	// Basis is one of AuthorityBases.
	Basis string `json:"basis"`
	// Instrument names the consent form, contract, statute, licence or
	// policy that grants the authority.
	Instrument string `json:"instrument,omitempty"`
	// Jurisdiction is where that instrument applies (ISO 3166 code or a
	// name such as "EU").
	Jurisdiction string `json:"jurisdiction,omitempty"`
	// Evidence points to the record of it (a URI or document id).
	Evidence string `json:"evidence,omitempty"`
}

// AuthorityBases are the allowed values of Authority.Basis, with what each
// means. The first six are the lawful bases of GDPR Article 6(1); the
// others cover data that is not personal or not restricted.
var AuthorityBases = map[string]string{
	"consent":             "the people the data is about agreed to this processing (GDPR 6(1)(a))",
	"contract":            "processing is needed for a contract with the people the data is about (GDPR 6(1)(b))",
	"legal-obligation":    "processing is required by law (GDPR 6(1)(c))",
	"vital-interests":     "processing protects someone's life (GDPR 6(1)(d))",
	"public-task":         "processing is part of an official or public-interest task (GDPR 6(1)(e))",
	"legitimate-interest": "a legitimate interest, balanced against the people's rights (GDPR 6(1)(f))",
	"licence":             "the rights holder licensed the data for this use (see licenses)",
	"public-domain":       "no rights restrict the use of the data",
	"own-data":            "the organisation created the data itself and holds all rights",
	"statutory-exception": "a statutory exception such as text-and-data mining or research (name it in instrument)",
}

var dateRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func checkDate(s string) error {
	if dateRE.MatchString(s) {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Errorf("%q is not a valid date", s)
		}
		return nil
	}
	if _, err := time.Parse(time.RFC3339, s); err != nil {
		return fmt.Errorf("%q is not an RFC 3339 date (2025-03-01) or date-time (2025-03-01T12:00:00Z)", s)
	}
	return nil
}

// ParseProvenance reads a provenance document in JSON or YAML (JSON is
// recognised by its leading "{"), validates it and returns it in canonical
// form: licences canonicalised, lists sorted. Errors are *FormatError
// naming the field at fault and wrap ErrInvalidProvenance.
func ParseProvenance(data []byte) (*Provenance, error) {
	if !utf8.Valid(data) {
		return nil, fieldErr("provenance", "", "not valid UTF-8")
	}
	js := data
	if t := bytes.TrimSpace(data); len(t) == 0 || t[0] != '{' {
		var n yaml.Node
		if err := yaml.Unmarshal(data, &n); err != nil {
			return nil, fieldErr("provenance", "", "invalid YAML: %v", err)
		}
		if len(n.Content) == 0 {
			return nil, fieldErr("provenance", "", "empty document")
		}
		var buf bytes.Buffer
		budget := 1 << 20
		if err := yamlToJSON(&buf, n.Content[0], &budget, 0); err != nil {
			return nil, fieldErr("provenance", "", "unsupported YAML: %v", err)
		}
		js = buf.Bytes()
	}
	if err := strictCheck("provenance", js, reflect.TypeFor[Provenance](), true); err != nil {
		return nil, err
	}
	p := new(Provenance)
	if err := json.Unmarshal(js, p); err != nil {
		return nil, &FormatError{Doc: "provenance", Offset: -1, Err: err}
	}
	for i, l := range p.Licenses {
		c, err := CanonicalLicense(l)
		if err != nil {
			return nil, fieldErr("provenance", "licenses["+strconv.Itoa(i)+"]", "%v", err)
		}
		p.Licenses[i] = c
	}
	if a := p.Authority; a != nil && a.Basis == "license" {
		a.Basis = "licence"
	}
	n := p.normalized()
	if err := n.validate("provenance", ""); err != nil {
		return nil, err
	}
	return &n, nil
}

// normalized returns a copy of p with its sets sorted.
func (p Provenance) normalized() Provenance {
	p.Sources = slices.Clone(p.Sources)
	slices.SortStableFunc(p.Sources, func(a, b Source) int { return strings.Compare(a.URI, b.URI) })
	for _, l := range []*[]string{&p.Licenses, &p.PermittedUses, &p.ProhibitedUses} {
		*l = slices.Clone(*l)
		slices.Sort(*l)
	}
	return p
}

// Validate checks p: licences valid and canonical, a known authority
// basis, sources with URIs, valid dates and digests, use lists without
// duplicates or contradictions. Lists must be sorted (as ParseProvenance
// and Manifest.Marshal leave them).
func (p *Provenance) Validate() error { return p.validate("provenance", "") }

func (p *Provenance) validate(doc, prefix string) error {
	bad := func(field, format string, args ...any) error { return fieldErr(doc, prefix+field, format, args...) }
	for i, s := range p.Sources {
		f := "sources[" + strconv.Itoa(i) + "]"
		if strings.TrimSpace(s.URI) == "" {
			return bad(f+".uri", "empty")
		}
		if _, err := url.Parse(s.URI); err != nil {
			return bad(f+".uri", "%v", err)
		}
		if s.RetrievedAt != "" {
			if err := checkDate(s.RetrievedAt); err != nil {
				return bad(f+".retrieved_at", "%v", err)
			}
		}
		if s.Digest != "" && !digestRE.MatchString(s.Digest) {
			return bad(f+".digest", "%q is not a digest \"alg:hex\" (for example sha256:<64 hex digits>)", s.Digest)
		}
		if i > 0 && p.Sources[i-1].URI == s.URI {
			return bad(f+".uri", "source %q listed twice", s.URI)
		}
	}
	if t := p.Timeframe; t != nil {
		for _, x := range []struct{ f, v string }{{"timeframe.start", t.Start}, {"timeframe.end", t.End}} {
			if x.v != "" {
				if err := checkDate(x.v); err != nil {
					return bad(x.f, "%v", err)
				}
			}
		}
		if t.Start != "" && t.End != "" && dateKey(t.Start) > dateKey(t.End) {
			return bad("timeframe", "start %s is after end %s", t.Start, t.End)
		}
	}
	if a := p.Authority; a != nil {
		if _, ok := AuthorityBases[a.Basis]; !ok {
			return bad("authority.basis", "%q is not a known basis (one of %s)", a.Basis, strings.Join(sortedKeys(AuthorityBases), ", "))
		}
	}
	for i, l := range p.Licenses {
		c, err := CanonicalLicense(l)
		if err != nil {
			return bad("licenses["+strconv.Itoa(i)+"]", "%v", err)
		}
		if c != l {
			return bad("licenses["+strconv.Itoa(i)+"]", "%q is not in canonical form %q", l, c)
		}
	}
	for _, list := range []struct {
		f string
		v []string
	}{{"licenses", p.Licenses}, {"permitted_uses", p.PermittedUses}, {"prohibited_uses", p.ProhibitedUses}} {
		for i, u := range list.v {
			f := list.f + "[" + strconv.Itoa(i) + "]"
			if strings.TrimSpace(u) == "" || u != strings.TrimSpace(u) {
				return bad(f, "%q is empty or has surrounding spaces", u)
			}
			if i > 0 && list.v[i-1] == u {
				return bad(f, "%q listed twice", u)
			}
			if i > 0 && list.v[i-1] > u {
				return bad(f, "not sorted")
			}
		}
	}
	for i, u := range p.PermittedUses {
		if slices.Contains(p.ProhibitedUses, u) {
			return bad("permitted_uses["+strconv.Itoa(i)+"]", "%q is both permitted and prohibited", u)
		}
	}
	return nil
}

// dateKey makes dates and date-times comparable as strings.
func dateKey(s string) string {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Format("2006-01-02T15:04:05.000000000")
	}
	return s + "T00:00:00.000000000"
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// yamlToJSON writes a YAML node as JSON, keeping scalars that YAML would
// resolve to timestamps as the strings they were written as, and mapping
// keys in their order (the strict JSON check then finds duplicates). budget
// bounds the nodes written, so aliases cannot expand without limit.
func yamlToJSON(w *bytes.Buffer, n *yaml.Node, budget *int, depth int) error {
	if *budget--; *budget < 0 {
		return fmt.Errorf("document too large (aliases?)")
	}
	if depth > maxDepth {
		return fmt.Errorf("nested more than %d levels deep", maxDepth)
	}
	switch n.Kind {
	case yaml.AliasNode:
		return yamlToJSON(w, n.Alias, budget, depth+1)
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			w.WriteString("null")
			return nil
		}
		return yamlToJSON(w, n.Content[0], budget, depth+1)
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := yamlToJSON(w, c, budget, depth+1); err != nil {
				return err
			}
		}
		w.WriteByte(']')
		return nil
	case yaml.MappingNode:
		w.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: mapping keys must be strings", k.Line)
			}
			if i > 0 {
				w.WriteByte(',')
			}
			kb, _ := json.Marshal(k.Value)
			w.Write(kb)
			w.WriteByte(':')
			if err := yamlToJSON(w, n.Content[i+1], budget, depth+1); err != nil {
				return err
			}
		}
		w.WriteByte('}')
		return nil
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			w.WriteString("null")
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err != nil {
				return fmt.Errorf("line %d: %v", n.Line, err)
			}
			w.WriteString(strconv.FormatBool(b))
		case "!!int", "!!float":
			if json.Valid([]byte(n.Value)) {
				w.WriteString(n.Value)
				return nil
			}
			var f float64
			if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				return fmt.Errorf("line %d: number %q", n.Line, n.Value)
			}
			w.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		default: // strings, timestamps, binary: the text as written
			vb, _ := json.Marshal(n.Value)
			w.Write(vb)
		}
		return nil
	}
	return fmt.Errorf("line %d: unsupported YAML node", n.Line)
}
