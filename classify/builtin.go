package classify

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/netip"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// regexDetector finds candidates with a regular expression and keeps those
// its validator accepts. Used for built-ins and for rules loaded from files.
type regexDetector struct {
	name, entity string
	re           *regexp.Regexp
	group        int // submatch that is the finding; 0 for the whole match
	valid        func(s string) bool
	score        float64
	ctx          ContextWords
	may          func(f *Features) bool
	literals     []string // at least one must occur in the text (prefilter)
	scoreOf      func(s string) float64
	// anchor, if set, yields in ascending order positions that every
	// match contains; before and after bound a match's extent around it.
	anchor        func(dst []int, text string) []int
	before, after int
}

func (d *regexDetector) Name() string          { return d.name }
func (d *regexDetector) Entities() []string    { return []string{d.entity} }
func (d *regexDetector) Context() ContextWords { return d.ctx }

// MayMatch implements Prefilter.
func (d *regexDetector) MayMatch(f *Features) bool {
	return d.may == nil || d.may(f)
}

// Find implements Detector.
func (d *regexDetector) Find(dst []Match, text string) []Match {
	if len(d.literals) > 0 {
		found := false
		for _, l := range d.literals {
			if strings.Contains(text, l) {
				found = true
				break
			}
		}
		if !found {
			return dst
		}
	}
	if d.anchor == nil {
		return d.findIn(dst, text, 0, len(text))
	}
	// Run the expression only on windows around anchors (merged when they
	// overlap). A window reaches d.before bytes before and d.after bytes
	// after an anchor, enough to hold any match containing it; a text
	// without anchors costs one cheap pass.
	pp := anchorPool.Get().(*[]int)
	ps := d.anchor((*pp)[:0], text)
	ws, we := -1, -1
	for _, p := range ps {
		s, e := max(0, p-d.before), min(len(text), p+d.after)
		for s > 0 && !utf8.RuneStart(text[s]) {
			s--
		}
		for e < len(text) && !utf8.RuneStart(text[e]) {
			e++
		}
		if ws >= 0 && s <= we {
			we = max(we, e)
			continue
		}
		if ws >= 0 {
			dst = d.findIn(dst, text, ws, we)
		}
		ws, we = s, e
	}
	if ws >= 0 {
		dst = d.findIn(dst, text, ws, we)
	}
	*pp = ps[:0]
	anchorPool.Put(pp)
	return dst
}

var anchorPool = sync.Pool{New: func() any { return new([]int) }}

// findIn runs the expression on text[ws:we] and appends the validated
// matches. Matches touching a window edge that cuts a word are dropped:
// they may be fragments.
func (d *regexDetector) findIn(dst []Match, text string, ws, we int) []Match {
	win := text[ws:we]
	for _, m := range d.re.FindAllStringSubmatchIndex(win, -1) {
		s, e := m[2*d.group], m[2*d.group+1]
		if s < 0 {
			continue
		}
		if (m[0] == 0 && ws > 0 && isWordByte(text[ws-1])) || (m[1] == len(win) && we < len(text) && isWordByte(text[we])) {
			continue
		}
		v := win[s:e]
		if d.valid != nil && !d.valid(v) {
			continue
		}
		score := d.score
		if d.scoreOf != nil {
			score = d.scoreOf(v)
		}
		dst = append(dst, Match{Entity: d.entity, Start: ws + s, End: ws + e, Score: score})
	}
	return dst
}

// Anchor functions append, in ascending order, positions every match must
// contain.

func anchorAny(lits ...string) func([]int, string) []int {
	return func(ps []int, s string) []int {
		n := len(ps)
		for _, l := range lits {
			for i := 0; ; {
				j := strings.Index(s[i:], l)
				if j < 0 {
					break
				}
				ps = append(ps, i+j)
				i += j + 1
			}
		}
		slices.Sort(ps[n:])
		return ps
	}
}

// anchorDigitDot appends dots between digits (IPv4, dotted dates).
func anchorDigitDot(ps []int, s string) []int {
	for i := 1; i+1 < len(s); i++ {
		if s[i] == '.' && isDigit(s[i-1]) && isDigit(s[i+1]) {
			ps = append(ps, i)
		}
	}
	return ps
}

// anchorHexSep appends ':', '-' or '.' between hex digits (MAC addresses).
func anchorHexSep(ps []int, s string) []int {
	for i := 2; i+1 < len(s); i++ {
		if (s[i] == ':' || s[i] == '-' || s[i] == '.') && isHex(s[i-1]) && isHex(s[i-2]) && isHex(s[i+1]) {
			ps = append(ps, i)
		}
	}
	return ps
}

// anchorUpperDigit appends positions where an upper-case letter and a digit
// meet, or two upper-case letters are followed by a space and a digit
// (spaced NINOs and IBANs).
func anchorUpperDigit(ps []int, s string) []int {
	for i := 1; i < len(s); i++ {
		a, b := s[i-1], s[i]
		if (a >= 'A' && a <= 'Z' && isDigit(b)) || (isDigit(a) && b >= 'A' && b <= 'Z') {
			ps = append(ps, i)
		} else if b == ' ' && a >= 'A' && a <= 'Z' && i+1 < len(s) && isDigit(s[i+1]) {
			ps = append(ps, i)
		}
	}
	return ps
}

// anchorDate appends '-', '/' or '.' between digits, and the start of
// capitalised month names.
func anchorDate(ps []int, s string) []int {
	if len(s) > 2 && s[0] >= 'A' && s[0] <= 'S' && isMonth(s[:3]) {
		ps = append(ps, 0)
	}
	for i := 1; i+1 < len(s); i++ {
		c := s[i]
		switch {
		case (c == '-' || c == '/' || c == '.') && isDigit(s[i-1]) && isDigit(s[i+1]):
			ps = append(ps, i)
		case c >= 'A' && c <= 'S' && i+2 < len(s) && !isAlnum(s[i-1]) && isMonth(s[i:i+3]):
			ps = append(ps, i)
		}
	}
	return ps
}

// isMonth reports whether three bytes abbreviate a month, any case,
// without allocating.
func isMonth(s string) bool {
	var b [3]byte
	for i := range b {
		b[i] = lowerASCII(s[i])
	}
	_, ok := monthIndex[string(b[:])]
	return ok
}

// anchorLongRun appends the start of every run of at least 14 letters and
// digits (crypto addresses).
func anchorLongRun(ps []int, s string) []int {
	run := 0
	for i := 0; i < len(s); i++ {
		if isAlnum(s[i]) {
			run++
			if run == 14 {
				ps = append(ps, i-13)
			}
		} else {
			run = 0
		}
	}
	return ps
}

var months = `(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)`

var monthIndex = map[string]int{"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12}

// validDateText checks that a matched date has a real month and day.
func validDateText(s string) bool {
	var nums []int
	month := 0
	for i := 0; i < len(s); {
		switch {
		case isDigit(s[i]):
			j := i
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			nums = append(nums, atoi(s[i:j]))
			i = j
		case s[i] >= 'A' && s[i] <= 'z' && i+3 <= len(s):
			if m, ok := monthIndex[strings.ToLower(s[i:i+3])]; ok && month == 0 {
				month = m
			}
			i++
			for i < len(s) && (s[i] >= 'A' && s[i] <= 'Z' || s[i] >= 'a' && s[i] <= 'z') {
				i++
			}
		default:
			i++
		}
	}
	if month != 0 { // "12 March 2024", "March 12, 2024"
		if len(nums) < 2 {
			return false
		}
		d, y := nums[0], nums[1]
		if d > 31 {
			d, y = y, d
		}
		return y >= 1000 && validDate(y, month, d)
	}
	if len(nums) < 3 {
		return false
	}
	a, b, c := nums[0], nums[1], nums[2]
	if a >= 1000 { // ISO y-m-d
		if !validDate(a, b, c) {
			return false
		}
		if len(nums) >= 5 && (nums[3] > 23 || nums[4] > 59) {
			return false
		}
		return true
	}
	y := c
	if y < 100 {
		y += 2000
	}
	return validDate(y, a, b) || validDate(y, b, a)
}

// validEmail applies RFC 5321 limits the regular expression cannot express.
func validEmail(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at > 64 || len(s)-at-1 > 253 {
		return false
	}
	local := s[:at]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	return true
}

func validIP(s string) bool {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return false
	}
	if a.Is4() {
		return true
	}
	// Reject things like "::" or "1::" that are more often text than addresses.
	return strings.Count(s, ":") >= 2 && len(strings.Trim(s, ":")) >= 3
}

func validMAC(s string) bool {
	if len(s) == 14 { // Cisco dotted form
		return true
	}
	sep := s[2]
	for i := 2; i < len(s); i += 3 {
		if s[i] != sep {
			return false
		}
	}
	// All-zero or broadcast addresses appear in docs, not as identifiers.
	return s != "00:00:00:00:00:00" && s != "00-00-00-00-00-00"
}

func validURL(s string) bool {
	if strings.HasPrefix(strings.ToLower(s), "www.") {
		s = "http://" + s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return false
	}
	h := u.Hostname()
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	dot := strings.LastIndexByte(h, '.')
	if dot < 1 || dot == len(h)-1 {
		return h == "localhost"
	}
	for _, c := range h[dot+1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func validNINO(s string) bool { return UKNINO(strings.ReplaceAll(s, " ", "")) }

func validBitcoin(s string) bool {
	if len(s) > 3 && strings.EqualFold(s[:3], "bc1") || strings.HasPrefix(s, "tb1") {
		return BitcoinBech32(s)
	}
	return BitcoinBase58(s)
}

// validJWT decodes the header and payload: both must be JSON objects and
// the header must name an algorithm.
func validJWT(s string) bool {
	parts := strings.SplitN(s, ".", 3)
	if len(parts) != 3 {
		return false
	}
	var hdr struct {
		Alg any `json:"alg"`
	}
	hb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[0], "="))
	if err != nil || json.Unmarshal(hb, &hdr) != nil {
		return false
	}
	if a, ok := hdr.Alg.(string); !ok || a == "" {
		return false
	}
	pb, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return false
	}
	var payload map[string]any
	return json.Unmarshal(pb, &payload) == nil
}

// Entropy returns the Shannon entropy of s in bits per byte.
func Entropy(s string) float64 {
	if s == "" {
		return 0
	}
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

// highEntropySecret reports whether s looks like a random credential: long
// enough, high entropy, and mixing character classes.
func highEntropySecret(s string) bool {
	if len(s) < 16 || len(s) > 512 {
		return false
	}
	var lower, upper, digit bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		case isDigit(c):
			digit = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit} {
		if b {
			classes++
		}
	}
	if classes < 2 {
		return false
	}
	return Entropy(s) >= 3.5
}

func regexDetectors() []Detector {
	mk := func(d regexDetector) *regexDetector { return &d }
	return []Detector{
		&emailDetector{},
		mk(regexDetector{
			name: "ipv4", entity: "IP_ADDRESS",
			re:    regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}\b`),
			valid: validIP, score: 0.85,
			may:    func(f *Features) bool { return f.Dots >= 3 && f.Digits >= 4 },
			ctx:    ContextWords{Positive: []string{"ip", "address", "host", "server", "client", "addr"}, Negative: []string{"version", "ver", "v", "release", "build"}},
			anchor: anchorDigitDot, before: 12, after: 16,
		}),
		&ipv6Detector{},
		mk(regexDetector{
			name: "mac", entity: "MAC_ADDRESS",
			re:    regexp.MustCompile(`\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b|\b[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\b`),
			valid: validMAC, score: 0.8,
			may:    func(f *Features) bool { return f.Colons >= 5 || f.Dashes >= 5 || f.Dots >= 2 },
			ctx:    ContextWords{Positive: []string{"mac", "hardware", "ethernet", "wifi", "bssid", "device"}},
			anchor: anchorHexSep, before: 16, after: 16,
		}),
		mk(regexDetector{
			name: "url", entity: "URL",
			re:    regexp.MustCompile(`(?i)\b(?:https?|ftp)://[^\s<>"'{}|\\^` + "`" + `]+[^\s<>"'{}|\\^` + "`" + `.,;:!?)\]]|\bwww\.[a-z0-9\-]+(?:\.[a-z0-9\-]+)+(?:/[^\s<>"']*[^\s<>"'.,;:!?)\]])?`),
			valid: validURL, score: 0.6, literals: []string{"://", "www.", "WWW."},
			may:    func(f *Features) bool { return f.Dots > 0 },
			ctx:    ContextWords{Positive: []string{"url", "link", "website", "site", "http"}},
			anchor: anchorAny("://", "www.", "WWW."), before: 8, after: 4096,
		}),
		mk(regexDetector{
			name: "iban", entity: "IBAN_CODE",
			re:    regexp.MustCompile(`\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b`),
			valid: IBAN, score: 1.0,
			may:    func(f *Features) bool { return f.Upper >= 2 && f.Digits >= 4 && f.Len >= 15 },
			ctx:    ContextWords{Positive: []string{"iban", "bank", "account", "transfer"}},
			anchor: anchorUpperDigit, before: 44, after: 44,
		}),
		mk(regexDetector{
			name: "bitcoin", entity: "CRYPTO",
			re:    regexp.MustCompile(`\b(?:[13][1-9A-HJ-NP-Za-km-z]{25,34}|(?:bc1|BC1|tb1)[02-9ac-hj-np-zAC-HJ-NP-Z]{11,87})\b`),
			valid: validBitcoin, score: 1.0,
			may:    func(f *Features) bool { return f.MaxAlnumRun >= 14 },
			ctx:    ContextWords{Positive: []string{"bitcoin", "btc", "wallet", "crypto", "address"}},
			anchor: anchorLongRun, before: 4, after: 96,
		}),
		mk(regexDetector{
			name: "uk_nino", entity: "UK_NINO",
			re:    regexp.MustCompile(`\b[A-Z]{2} ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b`),
			valid: validNINO, score: 0.7,
			may:    func(f *Features) bool { return f.Upper >= 3 && f.Digits >= 6 },
			ctx:    ContextWords{Positive: []string{"nino", "national insurance", "ni number", "ni no", "insurance number"}},
			anchor: anchorUpperDigit, before: 16, after: 16,
		}),
		mk(regexDetector{
			name: "in_pan", entity: "IN_PAN",
			re:    regexp.MustCompile(`\b[A-Z]{5}\d{4}[A-Z]\b`),
			valid: INPAN, score: 0.6,
			may:    func(f *Features) bool { return f.Upper >= 6 && f.Digits >= 4 },
			ctx:    ContextWords{Positive: []string{"pan", "permanent account", "income tax", "pan card"}},
			anchor: anchorUpperDigit, before: 12, after: 12,
		}),
		mk(regexDetector{
			name: "sg_nric", entity: "SG_NRIC_FIN",
			re:    regexp.MustCompile(`\b[STFGM]\d{7}[A-Z]\b`),
			valid: SGNRIC, score: 0.9,
			may:    func(f *Features) bool { return f.Upper >= 2 && f.Digits >= 7 },
			ctx:    ContextWords{Positive: []string{"nric", "fin", "ic", "identity card", "singapore"}},
			anchor: anchorUpperDigit, before: 12, after: 12,
		}),
		mk(regexDetector{
			name: "es_nif", entity: "ES_NIF",
			re:    regexp.MustCompile(`\b(?:\d{8}|[XYZ]\d{7})-?[A-Z]\b`),
			valid: ESNIF, score: 0.85,
			may:    func(f *Features) bool { return f.Upper >= 1 && f.Digits >= 7 },
			ctx:    ContextWords{Positive: []string{"nif", "nie", "dni", "documento", "identificación", "fiscal"}},
			anchor: anchorUpperDigit, before: 12, after: 12,
		}),
		mk(regexDetector{
			name: "it_fiscal_code", entity: "IT_FISCAL_CODE",
			re:    regexp.MustCompile(`\b[A-Z]{6}[0-9LMNP-V]{2}[ABCDEHLMPRST][0-9LMNP-V]{2}[A-Z][0-9LMNP-V]{3}[A-Z]\b`),
			valid: ITFiscalCode, score: 1.0,
			may:    func(f *Features) bool { return f.Upper >= 9 && f.MaxAlnumRun >= 16 },
			ctx:    ContextWords{Positive: []string{"codice fiscale", "fiscal code", "cf"}},
			anchor: anchorUpperDigit, before: 18, after: 18,
		}),
		mk(regexDetector{
			name: "date", entity: "DATE_TIME",
			re: regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b|` +
				`\b\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})\b|` +
				`\b\d{1,2}(?:st|nd|rd|th)? (?:of )?` + months + `\.?,? \d{4}\b|` +
				`\b` + months + `\.? \d{1,2}(?:st|nd|rd|th)?,? \d{4}\b`),
			valid: validDateText, score: 0.6,
			may:    func(f *Features) bool { return f.Digits >= 4 },
			ctx:    ContextWords{Positive: []string{"date", "born", "birth", "dob", "on", "since", "until", "expires"}, Negative: []string{"version", "ver"}},
			anchor: anchorDate, before: 24, after: 48,
		}),
		// Secrets.
		mk(regexDetector{
			name: "aws_access_key", entity: "AWS_ACCESS_KEY",
			re:       regexp.MustCompile(`\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\b`),
			score:    0.95,
			literals: []string{"AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA"},
			may:      func(f *Features) bool { return f.Upper >= 4 && f.MaxAlnumRun >= 20 },
			ctx:      ContextWords{Positive: []string{"aws", "access key", "key id", "amazon"}},
			anchor:   anchorAny("AKIA", "ASIA", "ABIA", "ACCA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA", "APKA"), before: 1, after: 24,
		}),
		mk(regexDetector{
			name: "github_token", entity: "GITHUB_TOKEN",
			re:       regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{36}\b|\bgithub_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59}\b`),
			literals: []string{"gh"},
			valid: func(s string) bool {
				return strings.HasPrefix(s, "github_pat_") || GitHubToken(s)
			},
			score:  1.0,
			may:    func(f *Features) bool { return f.MaxAlnumRun >= 22 },
			anchor: anchorAny("gh", "github_pat_"), before: 1, after: 100,
		}),
		mk(regexDetector{
			name: "slack_token", entity: "SLACK_TOKEN",
			re:       regexp.MustCompile(`\bxox[abposr]-[0-9]{8,14}-[0-9A-Za-z-]{8,}|\bxapp-\d-[A-Z0-9]+-\d+-[a-f0-9]{16,}|https://hooks\.slack\.com/services/T[A-Z0-9]{6,12}/B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,32}`),
			literals: []string{"xox", "xapp-", "hooks.slack.com"},
			score:    0.95,
			may:      func(f *Features) bool { return f.Dashes >= 2 || f.Len > 40 },
			anchor:   anchorAny("xox", "xapp-", "hooks.slack.com"), before: 10, after: 200,
		}),
		mk(regexDetector{
			name: "stripe_key", entity: "STRIPE_KEY",
			re:       regexp.MustCompile(`\b(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{24,99}\b|\bwhsec_[0-9A-Za-z]{32,}\b`),
			literals: []string{"sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"},
			score:    0.95,
			anchor:   anchorAny("sk_", "rk_", "whsec_"), before: 1, after: 120,
		}),
		mk(regexDetector{
			name: "google_api_key", entity: "GOOGLE_API_KEY",
			re:       regexp.MustCompile(`\bAIza[0-9A-Za-z_\-]{35}(?:\b|$)`),
			literals: []string{"AIza"},
			score:    0.95,
			anchor:   anchorAny("AIza"), before: 1, after: 48,
		}),
		mk(regexDetector{
			name: "private_key", entity: "PRIVATE_KEY",
			re:       regexp.MustCompile(`-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----(?:[\s\S]*?-----END (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----)?`),
			literals: []string{"-----BEGIN "},
			score:    1.0,
		}),
		mk(regexDetector{
			name: "jwt", entity: "JWT",
			re:       regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`),
			literals: []string{"eyJ"},
			valid:    validJWT, score: 1.0,
			anchor: anchorAny("eyJ"), before: 1, after: 8192,
		}),
		&secretDetector{},
	}
}

// Builtin returns new instances of the built-in detectors, in a fixed order.
func Builtin() []Detector {
	return append(numericDetectors(), regexDetectors()...)
}

// ColumnEntities are the entity types found only when classifying columns,
// from column names together with the shape of the values: PERSON,
// LOCATION, DATE_OF_BIRTH (a date in a column named like a birth date),
// US_BANK_NUMBER account numbers and GENERIC_SECRET (a high-entropy value
// in a column named like a credential).
var ColumnEntities = []string{"PERSON", "LOCATION", "DATE_OF_BIRTH", "US_BANK_NUMBER", "GENERIC_SECRET"}

// ipv6Detector finds IPv6 addresses: maximal runs of hex digits, colons
// and dots (for embedded IPv4) that parse as a whole, so a fragment of a
// longer colon-separated string is never reported.
type ipv6Detector struct{}

func (ipv6Detector) Name() string              { return "ipv6" }
func (ipv6Detector) Entities() []string        { return []string{"IP_ADDRESS"} }
func (ipv6Detector) MayMatch(f *Features) bool { return f.Colons >= 2 }
func (ipv6Detector) Context() ContextWords {
	return ContextWords{Positive: []string{"ip", "ipv6", "address", "host"}}
}

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// Find implements Detector.
func (ipv6Detector) Find(dst []Match, text string) []Match {
	for i := 0; i < len(text); {
		c := text[i]
		if !(isHex(c) || c == ':') || (i > 0 && (isAlnum(text[i-1]) || text[i-1] == '.' || text[i-1] == '_')) {
			// Skip to the end of the current word.
			i++
			for i < len(text) && (isAlnum(text[i]) || text[i] == ':' || text[i] == '.') && i > 0 && (isAlnum(text[i-1]) || text[i-1] == ':' || text[i-1] == '.') {
				i++
			}
			continue
		}
		j := i
		colons := 0
		for j < len(text) && (isHex(text[j]) || text[j] == ':' || text[j] == '.') {
			if text[j] == ':' {
				colons++
			}
			j++
		}
		end := j
		for end > i && text[end-1] == '.' {
			end--
		}
		if colons >= 2 && (j == len(text) || !isAlnum(text[j]) && text[j] != '_') && validIP(text[i:end]) {
			dst = append(dst, Match{Entity: "IP_ADDRESS", Start: i, End: end, Score: 0.85})
		}
		i = j + 1
	}
	return dst
}

// emailDetector finds email addresses around each '@': a dot-atom local
// part (RFC 5322 without quoted strings) and a domain of LDH labels ending
// in an alphabetic TLD.
type emailDetector struct{}

func (emailDetector) Name() string       { return "email" }
func (emailDetector) Entities() []string { return []string{"EMAIL_ADDRESS"} }
func (emailDetector) Context() ContextWords {
	return ContextWords{Positive: []string{"email", "e-mail", "mail", "contact"}}
}
func (emailDetector) MayMatch(f *Features) bool { return f.At > 0 && f.Dots > 0 }

func isLocalByte(c byte) bool {
	return isAlnum(c) || strings.IndexByte(".!#$%&'*+/=?^_`{|}~-", c) >= 0
}

func isDomainByte(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }

// Find implements Detector.
func (emailDetector) Find(dst []Match, text string) []Match {
	for off := 0; ; {
		k := strings.IndexByte(text[off:], '@')
		if k < 0 {
			return dst
		}
		at := off + k
		off = at + 1
		s := at
		for s > 0 && at-s < 64 && isLocalByte(text[s-1]) {
			s--
		}
		// Leading punctuation is not part of the address ("<a@b.c", "'a@b.c").
		for s < at && !isAlnum(text[s]) {
			s++
		}
		e := at + 1
		for e < len(text) && e-at <= 253 && isDomainByte(text[e]) {
			e++
		}
		// Trailing dots and hyphens end the sentence, not the domain.
		for e > at+1 && (text[e-1] == '.' || text[e-1] == '-') {
			e--
		}
		if s == at || e == at+1 || (e < len(text) && isAlnum(text[e])) {
			continue
		}
		cand := text[s:e]
		if !validEmail(cand) || !validDomain(text[at+1:e]) {
			continue
		}
		dst = append(dst, Match{Entity: "EMAIL_ADDRESS", Start: s, End: e, Score: 1})
	}
}

// validDomain checks LDH labels of 1-63 bytes, at least two labels, and an
// alphabetic top-level label of 2-24 letters.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if len(l) == 0 || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
	}
	tld := labels[len(labels)-1]
	if len(tld) < 2 || len(tld) > 24 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !(tld[i] >= 'a' && tld[i] <= 'z' || tld[i] >= 'A' && tld[i] <= 'Z') {
			return false
		}
	}
	return true
}

// secretDetector finds high-entropy values assigned to key-like names:
// "api_key = ...", "password: '...'", "client_secret=...".
type secretDetector struct{}

func (secretDetector) Name() string       { return "generic_secret" }
func (secretDetector) Entities() []string { return []string{"GENERIC_SECRET"} }
func (secretDetector) MayMatch(f *Features) bool {
	return f.Len >= 20 && f.MaxAlnumRun >= 4
}

// secretNames are the key-name endings that make a value a credential.
var secretNames = []string{"apikey", "api_key", "api-key", "secret", "secret_key", "secretkey", "client_secret", "token",
	"access_token", "auth_token", "accesstoken", "authtoken", "password", "passwd", "pwd", "private_key", "access_key",
	"accesskey", "secret-key", "client-secret", "access-token", "auth-token", "private-key", "access-key"}

// Find implements Detector.
func (secretDetector) Find(dst []Match, text string) []Match {
	for i := 0; i < len(text); i++ {
		if text[i] != ':' && text[i] != '=' {
			continue
		}
		// The key: a word ending just before optional quotes and spaces.
		k := i
		for k > 0 && i-k < 4 && (text[k-1] == ' ' || text[k-1] == '"' || text[k-1] == '\'') {
			k--
		}
		ks := k
		for ks > 0 && k-ks < 40 && (isAlnum(text[ks-1]) || text[ks-1] == '_' || text[ks-1] == '-') {
			ks--
		}
		if ks == k || !keyLike(text[ks:k]) {
			continue
		}
		// The value: after optional spaces and a quote.
		v := i + 1
		for v < len(text) && v-i < 4 && (text[v] == ' ' || text[v] == '"' || text[v] == '\'') {
			v++
		}
		ve := v
		for ve < len(text) && ve-v < 512 && (isAlnum(text[ve]) || strings.IndexByte("+/=_-.~", text[ve]) >= 0) {
			ve++
		}
		for ve > v && text[ve-1] == '.' {
			ve--
		}
		if ve-v >= 16 && highEntropySecret(text[v:ve]) {
			dst = append(dst, Match{Entity: "GENERIC_SECRET", Start: v, End: ve, Score: 0.8})
			i = ve - 1
		}
	}
	return dst
}

func keyLike(k string) bool {
	k = strings.ToLower(k)
	for _, n := range secretNames {
		if strings.HasSuffix(k, n) {
			return true
		}
	}
	return false
}
