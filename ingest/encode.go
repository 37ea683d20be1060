package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// ErrProfileVersion reports a profile file of another format or of a
// version this code cannot read.
var ErrProfileVersion = errors.New("unsupported profile format or version")

// ErrBadProfile reports a profile file that is not a valid profile.
var ErrBadProfile = errors.New("invalid profile")

// MarshalProfile returns the profile's serialised form: JSON, with fields in
// a fixed order and every map and sketch written sorted, so the same input
// and seed give the same bytes. It starts with the format id and version.
func MarshalProfile(p *Profile) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("ingest: encoding profile: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteTo writes the serialised profile to w.
func (p *Profile) WriteTo(w io.Writer) (int64, error) {
	b, err := MarshalProfile(p)
	if err != nil {
		return 0, err
	}
	n, err := w.Write(b)
	return int64(n), err
}

// ReadProfile reads a profile written by WriteTo. A different format id or
// an unknown version is an error wrapping ErrProfileVersion; anything else
// malformed wraps ErrBadProfile.
func ReadProfile(r io.Reader) (*Profile, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return UnmarshalProfile(b)
}

// UnmarshalProfile is ReadProfile on bytes.
func UnmarshalProfile(b []byte) (*Profile, error) {
	var head struct {
		Format  string `json:"format"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProfile, err)
	}
	if head.Format != ProfileFormat || head.Version != ProfileVersion {
		return nil, fmt.Errorf("%w: format %q version %d (this build reads %s version %d)", ErrProfileVersion, head.Format, head.Version, ProfileFormat, ProfileVersion)
	}
	var p Profile
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProfile, err)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadProfile, err)
	}
	p.init()
	return &p, nil
}

func (p *Profile) validate() error {
	if err := p.Options.validate(); err != nil {
		return err
	}
	if p.Rows < 0 || p.Sample == nil || p.Sample.K != p.Options.SampleSize {
		return errors.New("bad rows or sample")
	}
	if err := validateColumns(p.Columns, p.Options); err != nil {
		return err
	}
	if (p.Label == nil) != (p.Options.Label == "") {
		return errors.New("label summary does not match the options")
	}
	if p.Label != nil {
		if p.Label.Column != p.Options.Label || len(p.Label.Classes) > p.Options.MaxClasses {
			return errors.New("bad label summary")
		}
		if !slices.IsSortedFunc(p.Label.Classes, func(a, b *ClassProfile) int { return cmpString(a.Class, b.Class) }) {
			return errors.New("classes not sorted")
		}
		for _, c := range p.Label.Classes {
			if c == nil || c.Count < 0 {
				return errors.New("bad class")
			}
			if err := validateColumns(c.Columns, p.Options); err != nil {
				return err
			}
		}
	}
	if len(p.Text) != len(p.Options.Text) {
		return errors.New("text summaries do not match the options")
	}
	for i, t := range p.Text {
		if t == nil || t.Column != p.Options.Text[i] || t.DF == nil || t.Tokens == nil || t.DF.C != p.Options.VocabCap {
			return errors.New("bad text summary")
		}
		for _, c := range t.ByClass {
			if c == nil || c.DF == nil || c.DF.C != p.Options.VocabCap {
				return errors.New("bad text class summary")
			}
		}
	}
	for _, s := range p.Sample.Items() {
		for _, sig := range s.Value.MinHash {
			if len(sig) != p.Options.MinHashes {
				return errors.New("bad MinHash signature length")
			}
		}
	}
	return nil
}

func validateColumns(cs []*ColumnProfile, o ProfileOptions) error {
	for _, c := range cs {
		if c == nil || c.Count < 0 || c.Nulls < 0 {
			return errors.New("bad column")
		}
		switch c.Kind {
		case KindNumeric:
			if c.Moments == nil || c.Quantiles == nil || c.Values == nil || c.Distinct == nil {
				return fmt.Errorf("column %q: missing sketches", c.Name)
			}
			if err := c.Quantiles.Validate(); err != nil {
				return fmt.Errorf("column %q: %v", c.Name, err)
			}
			if c.Quantiles.K != o.QuantileK || (!c.Values.Overflow && c.Values.Counts == nil) {
				return fmt.Errorf("column %q: sketch parameters differ from the options", c.Name)
			}
		case KindCategorical, KindText:
			if c.Length == nil || c.Distinct == nil || (c.Kind == KindCategorical && (c.Frequent == nil || c.Frequent.C != o.TopK)) {
				return fmt.Errorf("column %q: missing sketches", c.Name)
			}
		case KindNull, KindOther:
		default:
			return fmt.Errorf("column %q: unknown kind %q", c.Name, c.Kind)
		}
		if c.Distinct != nil {
			if err := c.Distinct.Validate(); err != nil || c.Distinct.Bits != o.HLLBits {
				return fmt.Errorf("column %q: bad distinct sketch", c.Name)
			}
		}
	}
	return nil
}
