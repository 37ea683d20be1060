package classify

import (
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// numSpan is a run of digit groups in a text separated by short separators
// (" ", "-", ".", parentheses), bounded by characters that are not letters or
// digits. Built-in numeric detectors share one extraction per text.
type numSpan struct {
	start, end int      // bytes, including a leading '+' or '('
	groups     [][2]int // byte ranges of the digit runs
}

// maxSpanGroups bounds the group windows a numeric detector tries in one
// span, so a long list of numbers costs linear time.
const maxSpanGroups = 8

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// numberSpans extracts the numeric spans of s, appending to dst.
func numberSpans(dst []numSpan, s string) []numSpan {
	i := 0
	for i < len(s) {
		if !isDigit(s[i]) {
			i++
			continue
		}
		if i > 0 && (isAlnum(s[i-1]) || s[i-1] == '_') {
			// Inside a token like "A123" or "v1.2": skip the token.
			for i < len(s) && (isAlnum(s[i]) || s[i] == '_' || s[i] == '.' || s[i] == '-') {
				i++
			}
			continue
		}
		sp := numSpan{start: i}
		if i > 0 && (s[i-1] == '+' || s[i-1] == '(') {
			sp.start = i - 1
			if s[i-1] == '(' && i > 1 && s[i-2] == '+' {
				sp.start = i - 2
			}
		}
		for {
			g := i
			for i < len(s) && isDigit(s[i]) {
				i++
			}
			sp.groups = append(sp.groups, [2]int{g, i})
			// A separator of at most 3 bytes from " -.()" followed by a digit.
			j := i
			spaces := 0
			for j < len(s) && j-i < 3 && strings.IndexByte(" -.()", s[j]) >= 0 {
				if s[j] == ' ' {
					spaces++
				}
				j++
			}
			if j == i || j >= len(s) || !isDigit(s[j]) || spaces > 1 {
				break
			}
			i = j
		}
		sp.end = i
		if i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
			// "123abc": part of a token, not a number.
			for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
				i++
			}
			continue
		}
		dst = append(dst, sp)
	}
	return dst
}

// numSpec describes a numeric identifier: its digit count, the groupings
// it is written in, and its validator.
type numSpec struct {
	name, entity string
	lengths      []int   // total digits accepted
	shapes       [][]int // accepted group lengths when formatted
	seps         string  // accepted separators when formatted
	bare         bool    // accept one ungrouped run of digits
	valid        func(digits string) bool
	formatted    float64 // score when written in one of shapes
	plain        float64 // score when bare
	ctx          ContextWords
}

// numDetector is a built-in detector for a numeric identifier.
type numDetector struct{ numSpec }

func (d *numDetector) Name() string          { return d.name }
func (d *numDetector) Entities() []string    { return []string{d.entity} }
func (d *numDetector) Context() ContextWords { return d.ctx }
func (d *numDetector) MayMatch(f *Features) bool {
	return f.Digits >= d.lengths[0]
}

// Find implements Detector.
func (d *numDetector) Find(dst []Match, text string) []Match {
	return d.findSpans(dst, text, numberSpans(nil, text))
}

// spanFinder is implemented by built-in detectors that work on the shared
// numeric spans, so the Scanner extracts them once per text.
type spanFinder interface {
	findSpans(dst []Match, text string, spans []numSpan) []Match
}

func (d *numDetector) findSpans(dst []Match, text string, spans []numSpan) []Match {
	var buf [32]byte
	for _, sp := range spans {
		gs := sp.groups
		for i := 0; i < len(gs); i++ {
			// A window may only begin after a space (or at the span start)
			// and end before a space (or at the span end).
			if i > 0 && text[gs[i][0]-1] != ' ' {
				continue
			}
			n := 0
			for j := i; j < len(gs) && j-i < maxSpanGroups; j++ {
				n += gs[j][1] - gs[j][0]
				if n > 19 {
					break
				}
				if j+1 < len(gs) && text[gs[j][1]] != ' ' {
					continue
				}
				if !containsInt(d.lengths, n) {
					continue
				}
				// A grouped number must be the whole span: "8666 5079 3243
				// 4161" is one number, not a 12-digit one after "8666".
				if j > i && (i > 0 || j < len(gs)-1) {
					continue
				}
				score, ok := d.shapeScore(text, gs[i:j+1])
				if !ok {
					continue
				}
				digits := buf[:0]
				for _, g := range gs[i : j+1] {
					digits = append(digits, text[g[0]:g[1]]...)
				}
				if !d.valid(string(digits)) {
					continue
				}
				dst = append(dst, Match{Entity: d.entity, Start: gs[i][0], End: gs[j][1], Score: score})
			}
		}
	}
	return dst
}

func (d *numDetector) shapeScore(text string, gs [][2]int) (float64, bool) {
	if len(gs) == 1 {
		return d.plain, d.bare
	}
	sep := text[gs[0][1]:gs[1][0]]
	if len(sep) != 1 || strings.IndexByte(d.seps, sep[0]) < 0 {
		return 0, false
	}
	for k := 1; k+1 < len(gs); k++ {
		if text[gs[k][1]:gs[k+1][0]] != sep {
			return 0, false
		}
	}
	for _, shape := range d.shapes {
		if len(shape) != len(gs) {
			continue
		}
		ok := true
		for k, l := range shape {
			if gs[k][1]-gs[k][0] != l && !(l == 0 && k == len(shape)-1) {
				ok = false
				break
			}
		}
		if ok {
			return d.formatted, true
		}
	}
	return 0, false
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// phoneDetector finds phone numbers and validates them with libphonenumber
// metadata: international numbers (with '+') for any region, national ones
// for a list of default regions.
type phoneDetector struct {
	regions []string
}

func (d *phoneDetector) Name() string       { return "phone" }
func (d *phoneDetector) Entities() []string { return []string{"PHONE_NUMBER"} }
func (d *phoneDetector) Context() ContextWords {
	return ContextWords{
		Positive: []string{"phone", "tel", "telephone", "call", "mobile", "cell", "fax", "contact", "whatsapp", "sms"},
		Negative: []string{"order", "invoice", "isbn", "tracking", "account", "ssn", "card", "visa", "nhs", "aadhaar", "abn",
			"tfn", "sin", "pesel", "iban", "routing", "social security", "social insurance", "patient", "ticket", "build", "batch", "items", "units", "serial", "version"},
	}
}
func (d *phoneDetector) MayMatch(f *Features) bool { return f.Digits >= 7 }

// Find implements Detector.
func (d *phoneDetector) Find(dst []Match, text string) []Match {
	return d.findSpans(dst, text, numberSpans(nil, text))
}

func (d *phoneDetector) findSpans(dst []Match, text string, spans []numSpan) []Match {
	var ends []int
	for _, sp := range spans {
		gs := sp.groups
		// A span right after a token holding digits ("DE32 7352 ...") is
		// the tail of another identifier.
		if s := gs[0][0]; s >= 2 && text[s-1] == ' ' && isDigit(text[s-2]) {
			continue
		}
		// Numbers are tried from the span start only, longest first; after
		// a number, the next one may start at the following group.
		for i := 0; i < len(gs); {
			if i > 0 && text[gs[i][0]-1] != ' ' {
				break
			}
			ends = ends[:0]
			n := 0
			for j := i; j < len(gs) && j-i < maxSpanGroups; j++ {
				n += gs[j][1] - gs[j][0]
				if n > 15 {
					break
				}
				if j+1 < len(gs) && text[gs[j][1]] != ' ' && text[gs[j][1]] != ')' {
					continue
				}
				if n >= 8 {
					ends = append(ends, j)
				}
			}
			found := -1
			for k := len(ends) - 1; k >= 0 && found < 0; k-- {
				j := ends[k]
				start := gs[i][0]
				if i == 0 {
					start = sp.start
				}
				end := gs[j][1]
				cand := text[start:end]
				if strings.Count(cand, "(") != strings.Count(cand, ")") {
					if i == 0 && sp.start < gs[0][0] && text[sp.start] != '+' {
						start = gs[0][0]
						cand = text[start:end]
					}
					if strings.Count(cand, "(") != strings.Count(cand, ")") {
						continue
					}
				}
				if score, ok := d.check(cand, j > i); ok {
					dst = append(dst, Match{Entity: "PHONE_NUMBER", Start: start, End: end, Score: score})
					found = j
				}
			}
			if found < 0 {
				break
			}
			i = found + 1
		}
	}
	return dst
}

// check validates a candidate and returns its score. It builds the
// number directly from its digits (country calling codes are a prefix
// code; the default regions all use the trunk prefix 0) and asks the
// metadata whether it is valid, which is what Parse would do at several
// times the cost.
func (d *phoneDetector) check(cand string, grouped bool) (float64, bool) {
	var ds [16]byte
	digits := 0
	for i := 0; i < len(cand); i++ {
		if isDigit(cand[i]) {
			if digits == len(ds) {
				return 0, false
			}
			ds[digits] = cand[i]
			digits++
		}
	}
	nd := string(ds[:digits])
	if cand[0] == '+' {
		for l := 1; l <= 3 && l < digits; l++ {
			cc := atoi(nd[:l])
			if phonenumbers.GetRegionCodeForCountryCode(cc) == phonenumbers.UNKNOWN_REGION {
				continue
			}
			if nd[l] == '0' { // leading zeros (Italy) need the full parser
				num, err := phonenumbers.Parse(cand, "ZZ")
				if err == nil && phonenumbers.IsValidNumber(num) {
					return 0.85, true
				}
				return 0, false
			}
			if validPhone(cc, nd[l:], "") {
				return 0.85, true
			}
			return 0, false
		}
		return 0, false
	}
	if digits > 12 || digits < 9 {
		return 0, false
	}
	score := 0.4
	if grouped || strings.ContainsAny(cand, "()") {
		score = 0.7
	}
	if nd[0] != '0' {
		// NANP: NXX-NXX-XXXX, optionally after a 1.
		if digits == 11 && nd[0] == '1' {
			nd = nd[1:]
		}
		if len(nd) != 10 || nd[0] < '2' || nd[3] < '2' {
			return 0, false
		}
		for _, r := range d.regions {
			if (r == "US" || r == "CA") && validPhone(1, nd, r) {
				return score, true
			}
		}
		return 0, false
	}
	for _, r := range d.regions {
		if r == "US" || r == "CA" {
			continue
		}
		if cc := phonenumbers.GetCountryCodeForRegion(r); cc != 0 && validPhone(cc, nd[1:], r) {
			return score, true
		}
	}
	return 0, false
}

// validPhone reports whether the national number nat with country code cc
// is valid (for region, if not empty).
func validPhone(cc int, nat string, region string) bool {
	if nat == "" || len(nat) > 17 {
		return false
	}
	c32 := int32(cc)
	var n uint64
	for i := 0; i < len(nat); i++ {
		n = n*10 + uint64(nat[i]-'0')
	}
	num := &phonenumbers.PhoneNumber{CountryCode: &c32, NationalNumber: &n}
	if region != "" {
		return phonenumbers.IsValidNumberForRegion(num, region)
	}
	return phonenumbers.IsValidNumber(num)
}

var (
	ctxOrder = []string{"order", "invoice", "tracking", "isbn", "reference", "ref", "serial", "sku", "ticket", "build", "batch", "items", "units", "version"}
)

func numericDetectors() []Detector {
	specs := []numSpec{
		{
			name: "credit_card", entity: "CREDIT_CARD", lengths: []int{12, 13, 14, 15, 16, 17, 18, 19},
			shapes: [][]int{{4, 4, 4, 4}, {4, 4, 4, 4, 3}, {4, 6, 5}, {4, 6, 4}, {4, 4, 4, 0}, {4, 4, 4, 4, 0}},
			seps:   " -", bare: true, valid: CreditCard, formatted: 1.0, plain: 0.9,
			ctx: ContextWords{
				Positive: []string{"card", "credit", "debit", "visa", "mastercard", "amex", "cc", "pan", "payment"},
				Negative: ctxOrder,
			},
		},
		{
			name: "us_ssn", entity: "US_SSN", lengths: []int{9}, shapes: [][]int{{3, 2, 4}},
			seps: "- .", bare: true, valid: USSSN, formatted: 0.85, plain: 0.3,
			ctx: ContextWords{
				Positive: []string{"ssn", "social security", "ss#", "ssa"},
				Negative: append([]string{"routing", "zip"}, ctxOrder...),
			},
		},
		{
			name: "us_itin", entity: "US_ITIN", lengths: []int{9}, shapes: [][]int{{3, 2, 4}},
			seps: "- ", bare: true, valid: USITIN, formatted: 0.85, plain: 0.3,
			ctx: ContextWords{Positive: []string{"itin", "taxpayer", "tax id", "individual taxpayer"}, Negative: ctxOrder},
		},
		{
			name: "aba_routing", entity: "US_BANK_NUMBER", lengths: []int{9},
			bare: true, valid: ABARouting, plain: 0.3,
			ctx: ContextWords{Positive: []string{"routing", "aba", "rtn", "transit", "bank", "wire", "ach"}, Negative: ctxOrder},
		},
		{
			name: "uk_nhs", entity: "UK_NHS", lengths: []int{10}, shapes: [][]int{{3, 3, 4}},
			seps: " -", bare: true, valid: UKNHS, formatted: 0.5, plain: 0.3,
			ctx: ContextWords{Positive: []string{"nhs", "national health", "health service", "patient"}, Negative: ctxOrder},
		},
		{
			name: "ca_sin", entity: "CA_SIN", lengths: []int{9}, shapes: [][]int{{3, 3, 3}},
			seps: " -", bare: true, valid: CASIN, formatted: 0.45, plain: 0.2,
			ctx: ContextWords{Positive: []string{"sin", "social insurance", "nas", "assurance sociale"}, Negative: ctxOrder},
		},
		{
			name: "in_aadhaar", entity: "IN_AADHAAR", lengths: []int{12}, shapes: [][]int{{4, 4, 4}},
			seps: " -", bare: true, valid: INAadhaar, formatted: 0.6, plain: 0.35,
			ctx: ContextWords{Positive: []string{"aadhaar", "aadhar", "uidai", "uid"}, Negative: ctxOrder},
		},
		{
			name: "au_tfn", entity: "AU_TFN", lengths: []int{8, 9}, shapes: [][]int{{3, 3, 3}, {3, 3, 2}},
			seps: " -", bare: true, valid: AUTFN, formatted: 0.4, plain: 0.2,
			ctx: ContextWords{Positive: []string{"tfn", "tax file"}, Negative: ctxOrder},
		},
		{
			name: "au_abn", entity: "AU_ABN", lengths: []int{11}, shapes: [][]int{{2, 3, 3, 3}},
			seps: " ", bare: true, valid: AUABN, formatted: 0.7, plain: 0.3,
			ctx: ContextWords{Positive: []string{"abn", "business number", "australian business"}, Negative: ctxOrder},
		},
		{
			name: "pl_pesel", entity: "PL_PESEL", lengths: []int{11},
			bare: true, valid: PLPESEL, plain: 0.4,
			ctx: ContextWords{Positive: []string{"pesel"}, Negative: ctxOrder},
		},
	}
	out := make([]Detector, 0, len(specs)+1)
	for _, s := range specs {
		out = append(out, &numDetector{s})
	}
	out = append(out, &phoneDetector{regions: []string{"US", "GB", "DE", "FR", "IN", "AU"}})
	return out
}
