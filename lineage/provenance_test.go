package lineage_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/cairnml/cairn/lineage"
)

const testProvenanceYAML = `
collected_by: Example Labs
method: export from the ticketing system
sources:
  - uri: https://example.org/tickets
    retrieved_at: 2025-02-01
    digest: sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
timeframe:
  start: 2024-01-01
  end: 2024-12-31
authority:
  basis: consent
  instrument: Customer terms v3, section 7
  jurisdiction: EU
  evidence: https://example.org/consent-records
licenses: [cc-by-4.0, "MIT OR Apache-2.0"]
permitted_uses: [training, evaluation]
prohibited_uses: [re-identification]
`

func TestParseProvenanceYAMLAndJSON(t *testing.T) {
	p, err := lineage.ParseProvenance([]byte(testProvenanceYAML))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(p.Licenses, "|"); got != "CC-BY-4.0|MIT OR Apache-2.0" {
		t.Errorf("licenses = %q (want canonical case, sorted)", got)
	}
	if got := strings.Join(p.PermittedUses, ","); got != "evaluation,training" {
		t.Errorf("permitted uses = %q, want sorted", got)
	}
	if p.Authority.Basis != "consent" || p.Authority.Jurisdiction != "EU" || p.Sources[0].RetrievedAt != "2025-02-01" || p.Timeframe.End != "2024-12-31" {
		t.Errorf("parsed %+v %+v", p.Authority, p.Sources)
	}
	j, err := lineage.ParseProvenance([]byte(`{"authority": {"basis": "public-domain"}, "licenses": ["https://example.org/licence"]}`))
	if err != nil {
		t.Fatal(err)
	}
	if j.Authority.Basis != "public-domain" || j.Licenses[0] != "https://example.org/licence" {
		t.Errorf("JSON provenance = %+v", j)
	}
}

func TestParseProvenanceErrors(t *testing.T) {
	cases := []struct{ doc, field, msg string }{
		{"licenses: [Cool-License]", "licenses[0]", "not a recognised SPDX licence identifier"},
		{"licenses: [MIT or Apache-2.0]", "licenses[0]", "must be upper case"},
		{"licenses: [GPL-2.0-only WITH Nonsense-exception]", "licenses[0]", "not a known SPDX licence exception"},
		{"licenses: [(MIT]", "licenses[0]", `missing ")"`},
		{"licenses: [MIT, MIT]", "licenses[1]", "listed twice"},
		{"licenses: 'MIT'", "licenses", "want an array"},
		{"authority: {basis: because}", "authority.basis", "not a known basis"},
		{"authority: {instrument: x}", "authority.basis", "not a known basis"},
		{"permitted_uses: [training]\nprohibited_uses: [training]", "permitted_uses[0]", "both permitted and prohibited"},
		{"sources: [{uri: ''}]", "sources[0].uri", "empty"},
		{"sources: [{uri: x, retrieved_at: last week}]", "sources[0].retrieved_at", "RFC 3339"},
		{"sources: [{uri: x, digest: md5}]", "sources[0].digest", "not a digest"},
		{"timeframe: {start: 2025-01-01, end: 2024-01-01}", "timeframe", "after end"},
		{"collector: me", "collector", "unknown field"},
		{"method: [a]", "method", "want a string"},
		{"a: b: c", "", "invalid YAML"},
		{"licenses: [MIT]\nlicenses: [MIT]", "licenses", "duplicate key"},
		{"a: &a [*a]", "", "unsupported YAML"},
		{"when: 2025-01-01", "when", "unknown field"},
		{`{"method": "x", "method": "y"}`, "method", "duplicate key"},
		{"", "", "empty document"},
	}
	for _, c := range cases {
		_, err := lineage.ParseProvenance([]byte(c.doc))
		if err == nil {
			t.Errorf("%q: accepted", c.doc)
			continue
		}
		if !errors.Is(err, lineage.ErrInvalidProvenance) {
			t.Errorf("%q: %v does not wrap ErrInvalidProvenance", c.doc, err)
		}
		var fe *lineage.FormatError
		if !errors.As(err, &fe) || fe.Field != c.field || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%q: error %q (field %q), want field %q and %q", c.doc, err, fieldOf(err), c.field, c.msg)
		}
	}
}

func fieldOf(err error) string {
	var fe *lineage.FormatError
	if errors.As(err, &fe) {
		return fe.Field
	}
	return "<none>"
}

func TestCanonicalLicense(t *testing.T) {
	cases := map[string]string{
		"mit":                                  "MIT",
		"Apache-2.0 AND (mit OR bsd-3-clause)": "Apache-2.0 AND (MIT OR BSD-3-Clause)",
		"GPL-2.0-or-later WITH classpath-exception-2.0": "GPL-2.0-or-later WITH Classpath-exception-2.0",
		"LicenseRef-Internal-Research":                  "LicenseRef-Internal-Research",
		"DocumentRef-spdx:LicenseRef-x":                 "DocumentRef-spdx:LicenseRef-x",
		"LGPL-2.1+":                                     "LGPL-2.1+",
		"https://example.org/terms":                     "https://example.org/terms",
	}
	for in, want := range cases {
		got, err := lineage.CanonicalLicense(in)
		if err != nil || got != want {
			t.Errorf("CanonicalLicense(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "AND", "MIT AND", "MIT MIT", "http://", "https://a b", "LicenseRef-", "((((((((((((((((((MIT))))))))))))))))))"} {
		if got, err := lineage.CanonicalLicense(bad); err == nil {
			t.Errorf("CanonicalLicense(%q) = %q, want an error", bad, got)
		}
	}
}

func FuzzParseProvenance(f *testing.F) {
	f.Add([]byte(testProvenanceYAML))
	f.Add([]byte(`{"licenses": ["MIT OR (Apache-2.0 AND BSD-3-Clause)"], "authority": {"basis": "consent"}}`))
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := lineage.ParseProvenance(data)
		if err != nil {
			if !errors.Is(err, lineage.ErrInvalidProvenance) {
				t.Fatalf("error does not wrap ErrInvalidProvenance: %v", err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed provenance does not validate: %v", err)
		}
	})
}
