package lineage

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
)

// spdxLicenses are the SPDX licence identifiers cairn recognises: the
// licences datasets, models and code are commonly published under (from
// the SPDX License List). Matching is case-insensitive; the manifest keeps
// the canonical case. Anything else can be named as "LicenseRef-..." or
// by URL.
var spdxLicenses = canonicalSet(`
0BSD AFL-3.0 AGPL-1.0-only AGPL-1.0-or-later AGPL-3.0-only AGPL-3.0-or-later
Apache-1.0 Apache-1.1 Apache-2.0 APSL-2.0 Artistic-1.0 Artistic-2.0
BlueOak-1.0.0 BSD-1-Clause BSD-2-Clause BSD-2-Clause-Patent BSD-3-Clause
BSD-3-Clause-Clear BSD-4-Clause BSL-1.0 BUSL-1.1 C-UDA-1.0 CAL-1.0 CC-BY-1.0
CC-BY-2.0 CC-BY-2.5 CC-BY-3.0 CC-BY-4.0 CC-BY-NC-1.0 CC-BY-NC-2.0 CC-BY-NC-2.5
CC-BY-NC-3.0 CC-BY-NC-4.0 CC-BY-NC-ND-1.0 CC-BY-NC-ND-2.0 CC-BY-NC-ND-2.5
CC-BY-NC-ND-3.0 CC-BY-NC-ND-4.0 CC-BY-NC-SA-1.0 CC-BY-NC-SA-2.0 CC-BY-NC-SA-2.5
CC-BY-NC-SA-3.0 CC-BY-NC-SA-4.0 CC-BY-ND-1.0 CC-BY-ND-2.0 CC-BY-ND-2.5
CC-BY-ND-3.0 CC-BY-ND-4.0 CC-BY-SA-1.0 CC-BY-SA-2.0 CC-BY-SA-2.5 CC-BY-SA-3.0
CC-BY-SA-4.0 CC-PDDC CC0-1.0 CDDL-1.0 CDDL-1.1 CDLA-Permissive-1.0
CDLA-Permissive-2.0 CDLA-Sharing-1.0 CECILL-2.1 CPL-1.0 ECL-2.0 EFL-2.0 EPL-1.0
EPL-2.0 EUPL-1.1 EUPL-1.2 FTL GFDL-1.1-only GFDL-1.1-or-later GFDL-1.2-only
GFDL-1.2-or-later GFDL-1.3-only GFDL-1.3-or-later GPL-1.0-only GPL-1.0-or-later
GPL-2.0-only GPL-2.0-or-later GPL-3.0-only GPL-3.0-or-later HPND ICU IJG ISC
LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0-only
LGPL-3.0-or-later LiLiQ-P-1.1 LPL-1.02 LPPL-1.3c MIT MIT-0 MIT-CMU MPL-1.1
MPL-2.0 MPL-2.0-no-copyleft-exception MS-PL MS-RL MulanPSL-2.0 NCSA ODbL-1.0
ODC-By-1.0 OFL-1.1 OGL-Canada-2.0 OGL-UK-1.0 OGL-UK-2.0 OGL-UK-3.0 OpenSSL
OPUBL-1.0 OSL-3.0 PDDL-1.0 PHP-3.01 PostgreSQL PSF-2.0 Python-2.0 Ruby SGI-B-2.0
SSPL-1.0 TCL UCL-1.0 Unicode-3.0 Unicode-DFS-2016 Unlicense UPL-1.0 Vim W3C
WTFPL X11 Zlib ZPL-2.1
GPL-2.0 GPL-3.0 LGPL-2.1 LGPL-3.0 AGPL-3.0 GPL-2.0+ GPL-3.0+ LGPL-2.1+ LGPL-3.0+
CDLA-Sharing-1.0 Community-Data-License-Agreement DL-DE-BY-2.0 DL-DE-ZERO-2.0
etalab-2.0 NLOD-1.0 NLOD-2.0 O-UDA-1.0 PDDL-1.0 OGDL-Taiwan-1.0 CC-BY-3.0-IGO
CC-BY-NC-SA-3.0-IGO CC-BY-3.0-AU CC-BY-3.0-DE CC-BY-3.0-NL CC-BY-3.0-US
`)

// spdxExceptions are the SPDX licence exceptions recognised after WITH.
var spdxExceptions = canonicalSet(`
Autoconf-exception-3.0 Bison-exception-2.2 Bootloader-exception
Classpath-exception-2.0 eCos-exception-2.0 FLTK-exception Font-exception-2.0
GCC-exception-2.0 GCC-exception-3.1 LLVM-exception Linux-syscall-note
OpenJDK-assembly-exception-1.0 Qt-GPL-exception-1.0 Qt-LGPL-exception-1.1
u-boot-exception-2.0 WxWindows-exception-3.1
`)

func canonicalSet(list string) map[string]string {
	m := make(map[string]string)
	for _, id := range strings.Fields(list) {
		m[strings.ToLower(id)] = id
	}
	return m
}

var licenseRefRE = regexp.MustCompile(`^(DocumentRef-[A-Za-z0-9.-]+:)?LicenseRef-[A-Za-z0-9.-]+$`)

// CanonicalLicense checks a licence and returns its canonical form. A
// licence is one of:
//   - an SPDX licence expression over the identifiers cairn recognises
//     (see docs), "LicenseRef-..." and "DocumentRef-...:LicenseRef-..."
//     references, with AND, OR, WITH (an SPDX exception), "+" and
//     parentheses, for example "MIT OR Apache-2.0"; identifiers are
//     matched case-insensitively and returned in their canonical case;
//   - an http or https URL of the licence text.
func CanonicalLicense(s string) (string, error) {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" || strings.ContainsAny(s, " \t\n") {
			return "", fmt.Errorf("%q is not a valid licence URL", s)
		}
		return s, nil
	}
	p := &spdxParser{toks: spdxTokens(s), src: s}
	if len(p.toks) == 0 {
		return "", fmt.Errorf("empty licence")
	}
	out, err := p.expr(0)
	if err != nil {
		return "", err
	}
	if p.i != len(p.toks) {
		switch t := p.toks[p.i]; strings.ToUpper(t) {
		case "AND", "OR", "WITH":
			return "", fmt.Errorf("licence %q: operator %q must be upper case", s, t)
		default:
			return "", fmt.Errorf("licence %q: unexpected %q", s, t)
		}
	}
	return out, nil
}

func spdxTokens(s string) []string {
	var toks []string
	cur := strings.Builder{}
	flush := func() {
		if cur.Len() > 0 {
			toks = append(toks, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch r {
		case ' ', '\t', '\n', '\r':
			flush()
		case '(', ')':
			flush()
			toks = append(toks, string(r))
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	return toks
}

type spdxParser struct {
	toks []string
	i    int
	src  string
}

func (p *spdxParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

// expr parses and-expressions joined by OR; depth bounds nesting.
func (p *spdxParser) expr(depth int) (string, error) {
	if depth > 16 {
		return "", fmt.Errorf("licence %q: nested too deeply", p.src)
	}
	parts := []string{}
	for {
		a, err := p.and(depth)
		if err != nil {
			return "", err
		}
		parts = append(parts, a)
		if p.peek() != "OR" {
			return strings.Join(parts, " OR "), nil
		}
		p.i++
	}
}

func (p *spdxParser) and(depth int) (string, error) {
	parts := []string{}
	for {
		a, err := p.with(depth)
		if err != nil {
			return "", err
		}
		parts = append(parts, a)
		if p.peek() != "AND" {
			return strings.Join(parts, " AND "), nil
		}
		p.i++
	}
}

func (p *spdxParser) with(depth int) (string, error) {
	a, err := p.atom(depth)
	if err != nil {
		return "", err
	}
	if p.peek() != "WITH" {
		return a, nil
	}
	p.i++
	ex := p.peek()
	c, ok := spdxExceptions[strings.ToLower(ex)]
	if !ok {
		return "", fmt.Errorf("licence %q: %q is not a known SPDX licence exception", p.src, ex)
	}
	p.i++
	return a + " WITH " + c, nil
}

func (p *spdxParser) atom(depth int) (string, error) {
	t := p.peek()
	switch t {
	case "":
		return "", fmt.Errorf("licence %q: expression ends early", p.src)
	case "(":
		p.i++
		e, err := p.expr(depth + 1)
		if err != nil {
			return "", err
		}
		if p.peek() != ")" {
			return "", fmt.Errorf("licence %q: missing \")\"", p.src)
		}
		p.i++
		return "(" + e + ")", nil
	case ")", "AND", "OR", "WITH":
		return "", fmt.Errorf("licence %q: unexpected %q", p.src, t)
	}
	p.i++
	switch strings.ToUpper(t) {
	case "AND", "OR", "WITH":
		return "", fmt.Errorf("licence %q: operator %q must be upper case", p.src, t)
	}
	if licenseRefRE.MatchString(t) {
		return t, nil
	}
	if c, ok := spdxLicenses[strings.ToLower(t)]; ok {
		return c, nil
	}
	if base, ok := strings.CutSuffix(t, "+"); ok {
		if c, ok := spdxLicenses[strings.ToLower(base)]; ok {
			return c + "+", nil
		}
	}
	return "", fmt.Errorf("licence %q: %q is not a recognised SPDX licence identifier (use an SPDX id such as \"CC-BY-4.0\", \"LicenseRef-<name>\", or the licence's URL)", p.src, t)
}
