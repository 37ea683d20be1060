// Command corpusgen writes the synthetic part of the labelled evaluation
// corpus, testdata/classify/generated.jsonl: for each entity type, valid
// values (check digits computed here, independently of package classify)
// in several formats, with and without context words, and near misses
// (one check digit off, invalid ranges) that must not be reported.
//
//	go run ./classify/internal/corpusgen > testdata/classify/generated.jsonl
//
// The output is deterministic. Do not edit it by hand; the hand-written
// cases (public examples, prose) are in testdata/classify/handwritten.jsonl.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math/big"
	"math/rand/v2"
	"os"
	"strings"
)

// Case is one corpus line: a text and the entities it contains.
type Case struct {
	Text     string `json:"text"`
	Entities []Span `json:"entities"`
	Note     string `json:"note,omitempty"`
}

// Span is one expected finding: its type and exact text.
type Span struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

var rng = rand.New(rand.NewPCG(20261122, 7))

func digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

func pick[T any](xs ...T) T { return xs[rng.IntN(len(xs))] }

func letters(n int, alphabet string) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[rng.IntN(len(alphabet))]
	}
	return string(b)
}

const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// luhnDigit returns the digit that makes s+digit Luhn-valid.
func luhnDigit(s string) byte {
	for d := byte('0'); d <= '9'; d++ {
		t := s + string(d)
		sum := 0
		for i := range len(t) {
			v := int(t[len(t)-1-i] - '0')
			if i%2 == 1 {
				v *= 2
				if v > 9 {
					v -= 9
				}
			}
			sum += v
		}
		if sum%10 == 0 {
			return d
		}
	}
	panic("unreachable")
}

func group(s string, sizes []int, sep string) string {
	var parts []string
	for _, n := range sizes {
		parts = append(parts, s[:n])
		s = s[n:]
	}
	return strings.Join(parts, sep)
}

func flipLast(s string) string {
	b := []byte(s)
	for i := len(b) - 1; i >= 0; i-- {
		c := b[i]
		switch {
		case c >= '0' && c <= '9':
			b[i] = '0' + (c-'0'+1)%10
			return string(b)
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + (c-'A'+1)%26
			return string(b)
		}
	}
	return s
}

type gen struct {
	entity  string
	ctx     []string                // context templates with %s
	noCtx   []string                // templates without context words
	valid   func() string           // a valid value
	invalid func(v string) string   // a near miss derived from a valid value
	extra   func() (string, string) // other near misses: text, note
}

func card() string {
	type iss struct {
		p string
		n int
	}
	i := pick(iss{"4", 16}, iss{"51", 16}, iss{"55", 16}, iss{"2221", 16}, iss{"34", 15}, iss{"37", 15}, iss{"6011", 16}, iss{"3528", 16})
	s := i.p + digits(i.n-1-len(i.p))
	s += string(luhnDigit(s))
	switch rng.IntN(3) {
	case 0:
		return s
	case 1:
		if i.n == 15 {
			return group(s, []int{4, 6, 5}, " ")
		}
		return group(s, []int{4, 4, 4, 4}, " ")
	}
	if i.n == 15 {
		return group(s, []int{4, 6, 5}, "-")
	}
	return group(s, []int{4, 4, 4, 4}, "-")
}

func ssn() string {
	for {
		a := 1 + rng.IntN(899)
		if a == 666 {
			continue
		}
		return fmt.Sprintf("%03d-%02d-%04d", a, 1+rng.IntN(99), 1+rng.IntN(9999))
	}
}

func aba() string {
	pre := pick("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "21", "22", "26", "31", "32", "61", "67", "71")
	s := pre + digits(6)
	w := []int{3, 7, 1, 3, 7, 1, 3, 7}
	sum := 0
	for i := range 8 {
		sum += w[i] * int(s[i]-'0')
	}
	return s + string(byte('0'+(10-sum%10)%10))
}

func nhs() string {
	for {
		s := digits(9)
		sum := 0
		for i := range 9 {
			sum += int(s[i]-'0') * (10 - i)
		}
		c := 11 - sum%11
		if c == 11 {
			c = 0
		}
		if c == 10 {
			continue
		}
		return group(s+string(byte('0'+c)), []int{3, 3, 4}, " ")
	}
}

func sin() string {
	s := string(pick[byte]('1', '2', '3', '4', '5', '6', '7', '9')) + digits(7)
	return group(s+string(luhnDigit(s)), []int{3, 3, 3}, pick(" ", "-"))
}

var vd = [10][10]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5}, {2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7}, {4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1}, {6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3}, {8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0}}
var vp = [8][10]int{{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4}, {5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7}, {9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1}, {2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8}}
var vinv = [10]int{0, 4, 3, 2, 1, 5, 6, 7, 8, 9}

func verhoeffDigit(s string) byte {
	c := 0
	for i := range len(s) {
		c = vd[c][vp[(i+1)%8][int(s[len(s)-1-i]-'0')]]
	}
	return byte('0' + vinv[c])
}

func aadhaar() string {
	s := string(byte('2'+rng.IntN(8))) + digits(10)
	s += string(verhoeffDigit(s))
	if rng.IntN(3) == 0 {
		return s
	}
	return group(s, []int{4, 4, 4}, " ")
}

func tfn() string {
	w := []int{1, 4, 3, 7, 5, 8, 6, 9, 10}
	for {
		s := digits(8)
		sum := 0
		for i := range 8 {
			sum += w[i] * int(s[i]-'0')
		}
		for d := 0; d <= 9; d++ {
			if (sum+10*d)%11 == 0 {
				return group(s+string(byte('0'+d)), []int{3, 3, 3}, " ")
			}
		}
	}
}

func abn() string {
	w := []int{10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19}
	for {
		s := string(byte('1'+rng.IntN(9))) + digits(10)
		sum := 0
		for i := range 11 {
			d := int(s[i] - '0')
			if i == 0 {
				d--
			}
			sum += w[i] * d
		}
		if sum%89 == 0 {
			return group(s, []int{2, 3, 3, 3}, " ")
		}
	}
}

func pesel() string {
	y := 1940 + rng.IntN(80)
	m := 1 + rng.IntN(12)
	d := 1 + rng.IntN(28)
	mm := m
	if y >= 2000 {
		mm += 20
	}
	s := fmt.Sprintf("%02d%02d%02d", y%100, mm, d) + digits(4)
	w := []int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := range 10 {
		sum += w[i] * int(s[i]-'0')
	}
	return s + string(byte('0'+(10-sum%10)%10))
}

func nric() string {
	p := pick[byte]('S', 'T', 'F', 'G')
	s := digits(7)
	w := []int{2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := range 7 {
		sum += w[i] * int(s[i]-'0')
	}
	if p == 'T' || p == 'G' {
		sum += 4
	}
	tab := "JZIHGFEDCBA"
	if p == 'F' || p == 'G' {
		tab = "XWUTRQPNMLK"
	}
	return string(p) + s + string(tab[sum%11])
}

func nif() string {
	s := digits(8)
	n := new(big.Int)
	n.SetString(s, 10)
	return s + string("TRWAGMYFPDXBNJZSQVHLCKE"[n.Int64()%23])
}

func fiscal() string {
	s := letters(6, upper) + digits(2) + string("ABCDEHLMPRST"[rng.IntN(12)]) + fmt.Sprintf("%02d", 1+rng.IntN(28)+pick(0, 40)) + string(upper[rng.IntN(26)]) + digits(3)
	odd := map[byte]int{'0': 1, '1': 0, '2': 5, '3': 7, '4': 9, '5': 13, '6': 15, '7': 17, '8': 19, '9': 21,
		'A': 1, 'B': 0, 'C': 5, 'D': 7, 'E': 9, 'F': 13, 'G': 15, 'H': 17, 'I': 19, 'J': 21, 'K': 2, 'L': 4, 'M': 18, 'N': 20,
		'O': 11, 'P': 3, 'Q': 6, 'R': 8, 'S': 12, 'T': 14, 'U': 16, 'V': 10, 'W': 22, 'X': 25, 'Y': 24, 'Z': 23}
	sum := 0
	for i := range 15 {
		c := s[i]
		if i%2 == 0 {
			sum += odd[c]
		} else if c >= '0' && c <= '9' {
			sum += int(c - '0')
		} else {
			sum += int(c - 'A')
		}
	}
	return s + string(byte('A'+sum%26))
}

func iban() string {
	country := pick("DE", "GB", "FR", "NL", "ES", "IT", "BE")
	var bban string
	switch country {
	case "DE":
		bban = digits(18)
	case "GB":
		bban = letters(4, upper) + digits(14)
	case "FR":
		bban = digits(10) + letters(11, "0123456789ABCDEFGHJK") + digits(2)
	case "NL":
		bban = letters(4, upper) + digits(10)
	case "ES":
		bban = digits(20)
	case "IT":
		bban = letters(1, upper) + digits(10) + letters(12, "0123456789")
	case "BE":
		bban = digits(12)
	}
	var num strings.Builder
	for _, c := range bban + country + "00" {
		if c >= 'A' && c <= 'Z' {
			fmt.Fprintf(&num, "%d", c-'A'+10)
		} else {
			num.WriteRune(c)
		}
	}
	n, _ := new(big.Int).SetString(num.String(), 10)
	check := 98 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	s := fmt.Sprintf("%s%02d%s", country, check, bban)
	if rng.IntN(2) == 0 {
		return s
	}
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

func nino() string {
	first := "ABCEGHJKLMNOPRSTWXYZ"
	second := "ABCEGHJKLMNPRSTWXYZ"
	for {
		p := string(first[rng.IntN(len(first))]) + string(second[rng.IntN(len(second))])
		switch p {
		case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
			continue
		}
		d := digits(6)
		suf := string("ABCD"[rng.IntN(4)])
		if rng.IntN(2) == 0 {
			return p + d + suf
		}
		return p + " " + d[:2] + " " + d[2:4] + " " + d[4:] + " " + suf
	}
}

func pan() string {
	return letters(3, upper) + string("ABCFGHJLPT"[rng.IntN(10)]) + letters(1, upper) + fmt.Sprintf("%04d", 1+rng.IntN(9999)) + letters(1, upper)
}

const b58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

func btc() string {
	payload := make([]byte, 21)
	payload[0] = pick[byte](0, 5)
	for i := 1; i < 21; i++ {
		payload[i] = byte(rng.IntN(256))
	}
	h := sha256.Sum256(payload)
	h = sha256.Sum256(h[:])
	full := append(payload, h[:4]...)
	n := new(big.Int).SetBytes(full)
	var out []byte
	for n.Sign() > 0 {
		m := new(big.Int)
		n.DivMod(n, big.NewInt(58), m)
		out = append([]byte{b58[m.Int64()]}, out...)
	}
	for _, b := range full {
		if b != 0 {
			break
		}
		out = append([]byte{'1'}, out...)
	}
	return string(out)
}

func email() string {
	return pick("jane", "john.smith", "a.b-c", "maria_garcia", "li.wei", "o'brien", "user+tag") + fmt.Sprint(rng.IntN(1000)) + "@" + pick("example.com", "mail.example.org", "corp.example.co.uk", "uni.example.edu")
}

func phone() string {
	switch rng.IntN(5) {
	case 0:
		return fmt.Sprintf("+1 %s %d%s %s", pick("202", "212", "415", "617", "312"), 2+rng.IntN(8), digits(2), digits(4))
	case 1:
		return fmt.Sprintf("(%s) %d%s-%s", pick("202", "212", "415", "617", "312"), 2+rng.IntN(8), digits(2), digits(4))
	case 2:
		return "+44 20 7946 0" + digits(3)
	case 3:
		return "+49 30 " + digits(8)
	}
	return "+91 98" + digits(3) + " " + digits(5)
}

func ipv4() string {
	return fmt.Sprintf("%d.%d.%d.%d", 1+rng.IntN(223), rng.IntN(256), rng.IntN(256), 1+rng.IntN(254))
}

func ipv6() string {
	g := make([]string, 8)
	for i := range g {
		g[i] = fmt.Sprintf("%x", rng.IntN(65536))
	}
	if rng.IntN(2) == 0 {
		return "2001:db8::" + g[6] + ":" + g[7]
	}
	return strings.Join(g, ":")
}

func mac() string {
	sep := pick(":", "-")
	var p []string
	for range 6 {
		p = append(p, fmt.Sprintf("%02X", rng.IntN(256)))
	}
	return strings.Join(p, sep)
}

func date() string {
	y, m, d := 1950+rng.IntN(75), 1+rng.IntN(12), 1+rng.IntN(28)
	months := []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}
	switch rng.IntN(3) {
	case 0:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case 1:
		return fmt.Sprintf("%s %d, %d", months[m-1], d, y)
	}
	return fmt.Sprintf("%02d/%02d/%04d", m, d, y)
}

func ghToken() string {
	body := letters(30, alnum)
	c := uint64(crc32.ChecksumIEEE([]byte(body)))
	const a62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var cs []byte
	for range 6 {
		cs = append([]byte{a62[c%62]}, cs...)
		c /= 62
	}
	return pick("ghp_", "gho_", "ghs_") + body + string(cs)
}

func jwt() string {
	e := base64.RawURLEncoding
	h := e.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	p := e.EncodeToString([]byte(fmt.Sprintf(`{"sub":"%d","iat":%d}`, rng.IntN(1e6), 1_700_000_000+rng.IntN(10_000_000))))
	return h + "." + p + "." + letters(43, alnum)
}

func secret() string { return letters(28, alnum) }

func main() {
	gens := []gen{
		{"CREDIT_CARD", []string{"Card number: %s", "paid with visa %s yesterday", "credit card %s exp 09/27"}, []string{"%s", "use %s"},
			card, func(v string) string { return flipLast(v) },
			func() (string, string) {
				s := "9" + digits(14)
				return s + string(luhnDigit(s)), "Luhn-valid, no issuer"
			}},
		{"US_SSN", []string{"SSN: %s", "social security number %s on file"}, []string{"%s", "id %s"},
			ssn, func(v string) string {
				if rng.IntN(3) == 0 {
					return v[:4] + "00" + v[6:]
				}
				return pick("000", "666") + v[3:]
			},
			func() (string, string) { return "zip " + digits(5) + "-" + digits(4), "ZIP+4" }},
		{"US_BANK_NUMBER", []string{"routing number %s", "ABA %s for the wire"}, []string{"%s", "ref %s"},
			aba, flipLast, nil},
		{"UK_NHS", []string{"NHS number %s", "patient nhs no. %s"}, []string{"%s", "no. %s"},
			nhs, flipLast, nil},
		{"CA_SIN", []string{"SIN %s", "social insurance number: %s"}, []string{"%s", "id %s"},
			sin, flipLast, nil},
		{"IN_AADHAAR", []string{"Aadhaar %s", "my aadhaar number is %s"}, []string{"%s", "number %s"},
			aadhaar, flipLast, nil},
		{"AU_TFN", []string{"TFN %s", "tax file number %s"}, []string{"%s", "id: %s"},
			tfn, flipLast, nil},
		{"AU_ABN", []string{"ABN %s", "Australian Business Number %s"}, []string{"%s", "supplier %s"},
			abn, flipLast, nil},
		{"PL_PESEL", []string{"PESEL %s", "numer PESEL: %s"}, []string{"%s", "nr %s"},
			pesel, flipLast, nil},
		{"SG_NRIC_FIN", []string{"NRIC %s", "FIN: %s"}, []string{"%s", "holder %s"},
			nric, flipLast, nil},
		{"ES_NIF", []string{"NIF %s", "DNI: %s"}, []string{"%s", "cliente %s"},
			nif, flipLast, nil},
		{"IT_FISCAL_CODE", []string{"codice fiscale %s", "CF: %s"}, []string{"%s"},
			fiscal, flipLast, nil},
		{"IBAN_CODE", []string{"IBAN %s", "transfer to %s please"}, []string{"%s"},
			iban, func(v string) string {
				return v[:2] + fmt.Sprintf("%02d", (int(v[2]-'0')*10+int(v[3]-'0')+1)%100) + v[4:]
			}, nil},
		{"UK_NINO", []string{"NI number %s", "national insurance: %s"}, []string{"%s"},
			nino, func(v string) string { return "QQ" + v[2:] }, nil},
		{"IN_PAN", []string{"PAN %s", "PAN card: %s"}, []string{"%s"},
			pan, func(v string) string { return v[:3] + "X" + v[4:] }, nil},
		{"CRYPTO", []string{"bitcoin address %s", "send BTC to %s"}, []string{"%s"},
			btc, func(v string) string { return v[:len(v)-1] + string(b58[(strings.IndexByte(b58, v[len(v)-1])+1)%58]) }, nil},
		{"EMAIL_ADDRESS", []string{"email: %s", "contact %s for details"}, []string{"%s", "cc %s"},
			email, func(v string) string { return strings.Replace(v, "@", " at ", 1) },
			func() (string, string) {
				return pick("admin@localhost", "see @handle on social", "user@server"), "not an address"
			}},
		{"PHONE_NUMBER", []string{"call %s", "phone: %s", "mobile %s"}, []string{"%s"},
			phone, nil,
			func() (string, string) { return pick("call 555-0100", "room 2024 floor 3", "ext. 4521"), "too short" }},
		{"IP_ADDRESS", []string{"client ip %s", "server at %s"}, []string{"%s", "from %s"},
			func() string { return pick(ipv4, ipv6)() }, func(v string) string {
				if strings.Contains(v, ":") {
					return v + ":" + pick("abcd", "12345", ":1")
				}
				return "999." + v
			},
			func() (string, string) {
				return "version " + fmt.Sprintf("%d.%d.%d", rng.IntN(10), rng.IntN(20), rng.IntN(50)), "version"
			}},
		{"MAC_ADDRESS", []string{"MAC %s", "device mac address %s"}, []string{"%s"},
			mac, func(v string) string { return v[:14] }, nil},
		{"DATE_TIME", []string{"on %s", "date: %s"}, []string{"%s"},
			date, nil,
			func() (string, string) { return pick("2020-13-45", "31/31/2020", "99.99.9999"), "impossible date" }},
		{"US_ITIN", []string{"ITIN %s", "taxpayer id %s"}, []string{"%s"},
			func() string {
				g := pick(50+rng.IntN(16), 70+rng.IntN(19), 90+rng.IntN(3), 94+rng.IntN(6))
				return fmt.Sprintf("9%02d-%02d-%04d", rng.IntN(100), g, 1+rng.IntN(9999))
			},
			func(v string) string { return v[:4] + "4" + v[5:] }, nil},
		{"URL", []string{"see %s for details", "link: %s"}, []string{"%s"},
			func() string {
				return pick("https://", "http://", "https://www.") + pick("example", "docs.example", "shop-example") + fmt.Sprint(rng.IntN(100)) + pick(".com", ".org", ".io") + pick("", "/", "/a/b?q=1", "/path/to/page.html")
			},
			func(v string) string { return strings.Replace(v, "://", ":/ ", 1) }, nil},
		{"SLACK_TOKEN", []string{"slack token %s"}, []string{"%s"},
			func() string {
				return pick("xoxb-", "xoxp-") + digits(12) + "-" + digits(13) + "-" + letters(24, alnum)
			},
			func(v string) string { return "xoxq" + v[4:] }, nil},
		{"PRIVATE_KEY", []string{"key:\n%s"}, []string{"%s"},
			func() string {
				k := pick("RSA ", "EC ", "OPENSSH ", "")
				return "-----BEGIN " + k + "PRIVATE KEY-----\n" + letters(64, alnum+"+/") + "\n" + letters(40, alnum+"+/") + "=\n-----END " + k + "PRIVATE KEY-----"
			},
			func(v string) string { return strings.ReplaceAll(v, "PRIVATE", "PUBLIC") }, nil},
		{"AWS_ACCESS_KEY", []string{"aws key %s"}, []string{"%s"},
			func() string { return "AKIA" + letters(16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567") },
			func(v string) string { return v[:19] }, nil},
		{"GITHUB_TOKEN", []string{"token %s"}, []string{"%s"},
			ghToken, flipLast, nil},
		{"STRIPE_KEY", []string{"stripe %s"}, []string{"%s"},
			func() string { return "sk_live_" + letters(24, alnum) },
			func(v string) string { return "pk" + v[2:] }, nil},
		{"GOOGLE_API_KEY", []string{"maps key %s"}, []string{"%s"},
			func() string { return "AIza" + letters(35, alnum+"-_") },
			func(v string) string { return v[:30] }, nil},
		{"JWT", []string{"Authorization: Bearer %s"}, []string{"%s"},
			jwt, func(v string) string { return "eyJ" + letters(10, alnum) + "." + v[strings.IndexByte(v, '.')+1:] }, nil},
		{"GENERIC_SECRET", []string{"password = \"%s\"", "api_key: %s"}, nil,
			secret, nil,
			func() (string, string) {
				return pick(`password = "password123"`, "token: aaaaaaaaaaaaaaaaaaaa", "secret = changeme"), "low entropy"
			}},
	}
	w := bufio.NewWriter(os.Stdout)
	defer randomNumbers(w)
	defer w.Flush()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for _, g := range gens {
		for i := range 30 {
			v := g.valid()
			tpl := ""
			if i%3 == 2 && len(g.noCtx) > 0 {
				tpl = pick(g.noCtx...)
			} else {
				tpl = pick(g.ctx...)
			}
			_ = enc.Encode(Case{Text: fmt.Sprintf(tpl, v), Entities: []Span{{g.entity, v}}, Note: g.entity + " positive"})
		}
		for range 10 {
			if g.invalid == nil {
				break
			}
			v := g.invalid(g.valid())
			_ = enc.Encode(Case{Text: fmt.Sprintf(pick(g.ctx...), v), Entities: []Span{}, Note: g.entity + " near miss"})
		}
		for range 5 {
			if g.extra == nil {
				break
			}
			t, note := g.extra()
			_ = enc.Encode(Case{Text: t, Entities: []Span{}, Note: g.entity + " near miss: " + note})
		}
	}
}

// randomNumbers writes numbers in prose that are not identifiers: random
// digit strings of identifier-like lengths and groupings, some of which
// pass a checksum by chance. A detector reporting them is a false
// positive; this measures precision on ordinary numbers.
func randomNumbers(w *bufio.Writer) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	tpls := []string{"Order %s shipped", "Ticket %s closed", "We counted %s items", "batch %s done", "build %s passed", "%s"}
	shapes := [][]int{{8}, {9}, {10}, {11}, {12}, {13}, {15}, {16}, {3, 3, 3}, {3, 3, 4}, {4, 4, 4}, {4, 4, 4, 4}, {3, 2, 4}, {2, 3, 3, 3}}
	for i := range 300 {
		sh := shapes[i%len(shapes)]
		var parts []string
		for _, n := range sh {
			parts = append(parts, digits(n))
		}
		v := strings.Join(parts, pick(" ", "-"))
		_ = enc.Encode(Case{Text: fmt.Sprintf(pick(tpls...), v), Entities: []Span{}, Note: "random number"})
	}
	w.Flush()
}
