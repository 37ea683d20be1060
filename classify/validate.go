package classify

import (
	"crypto/sha256"
	"hash/crc32"
	"strings"
	"time"
)

// This file holds the checksum and structure validators the built-in
// detectors use. Each takes the candidate in a normalised form (usually the
// digits only) and reports whether it is a well-formed identifier. They are
// pure functions of their input and never panic.

// Luhn reports whether digits (ASCII '0'..'9' only) pass the Luhn (mod 10)
// check used by payment cards and Canadian SINs.
func Luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

var (
	verhoeffD = [10][10]uint8{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4, 0, 6, 7, 8, 9, 5},
		{2, 3, 4, 0, 1, 7, 8, 9, 5, 6}, {3, 4, 0, 1, 2, 8, 9, 5, 6, 7},
		{4, 0, 1, 2, 3, 9, 5, 6, 7, 8}, {5, 9, 8, 7, 6, 0, 4, 3, 2, 1},
		{6, 5, 9, 8, 7, 1, 0, 4, 3, 2}, {7, 6, 5, 9, 8, 2, 1, 0, 4, 3},
		{8, 7, 6, 5, 9, 3, 2, 1, 0, 4}, {9, 8, 7, 6, 5, 4, 3, 2, 1, 0},
	}
	verhoeffP = [8][10]uint8{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 5, 7, 6, 2, 8, 3, 0, 9, 4},
		{5, 8, 0, 3, 7, 9, 6, 1, 4, 2}, {8, 9, 1, 6, 0, 4, 3, 5, 2, 7},
		{9, 4, 5, 3, 1, 2, 6, 8, 7, 0}, {4, 2, 8, 6, 5, 7, 3, 9, 0, 1},
		{2, 7, 9, 3, 8, 0, 6, 4, 1, 5}, {7, 0, 4, 6, 9, 1, 3, 2, 5, 8},
	}
)

// Verhoeff reports whether digits pass the Verhoeff check (Aadhaar).
func Verhoeff(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	c := uint8(0)
	for i := 0; i < len(digits); i++ {
		ch := digits[len(digits)-1-i]
		if ch < '0' || ch > '9' {
			return false
		}
		c = verhoeffD[c][verhoeffP[i%8][ch-'0']]
	}
	return c == 0
}

// cardIssuer is one issuer range: numbers starting with a prefix in
// [lo, hi] (compared on the first len(lo) digits) with one of lengths.
type cardIssuer struct {
	lo, hi  string
	lengths []int
}

// cardIssuers are the major IIN ranges (ISO/IEC 7812 as published by the
// networks). Lengths outside these are rejected even when Luhn passes.
var cardIssuers = []cardIssuer{
	{"4", "4", []int{13, 16, 19}},                           // Visa
	{"51", "55", []int{16}},                                 // Mastercard
	{"2221", "2720", []int{16}},                             // Mastercard 2-series
	{"34", "34", []int{15}},                                 // Amex
	{"37", "37", []int{15}},                                 // Amex
	{"300", "305", []int{14, 16, 17, 18, 19}},               // Diners Club International
	{"36", "36", []int{14, 15, 16, 17, 18, 19}},             // Diners
	{"38", "39", []int{14, 16, 17, 18, 19}},                 // Diners
	{"6011", "6011", []int{16, 17, 18, 19}},                 // Discover
	{"644", "649", []int{16, 17, 18, 19}},                   // Discover
	{"65", "65", []int{16, 17, 18, 19}},                     // Discover
	{"622126", "622925", []int{16, 17, 18, 19}},             // Discover / UnionPay co-brand
	{"3528", "3589", []int{16, 17, 18, 19}},                 // JCB
	{"62", "62", []int{16, 17, 18, 19}},                     // UnionPay
	{"5018", "5018", []int{12, 13, 14, 15, 16, 17, 18, 19}}, // Maestro
	{"5020", "5020", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"5038", "5038", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"5893", "5893", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"6304", "6304", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"6759", "6759", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"6761", "6763", []int{12, 13, 14, 15, 16, 17, 18, 19}},
	{"2200", "2204", []int{16, 17, 18, 19}}, // Mir
}

// CreditCard reports whether digits is a payment card number: Luhn-valid,
// with a known issuer prefix and a length that issuer uses, and not a
// single repeated digit.
func CreditCard(digits string) bool {
	if len(digits) < 12 || len(digits) > 19 || allSame(digits) || !Luhn(digits) {
		return false
	}
	for _, is := range cardIssuers {
		n := len(is.lo)
		p := digits[:n]
		if p < is.lo || p > is.hi {
			continue
		}
		for _, l := range is.lengths {
			if l == len(digits) {
				return true
			}
		}
	}
	return false
}

func allSame(s string) bool {
	for i := 1; i < len(s); i++ {
		if s[i] != s[0] {
			return false
		}
	}
	return true
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// USSSN reports whether 9 digits follow the SSA's rules for issued Social
// Security numbers: area not 000, 666 or 900-999, group not 00, serial not
// 0000, and not one of the numbers known to be used in advertising.
func USSSN(digits string) bool {
	if len(digits) != 9 || !isDigits(digits) {
		return false
	}
	area, group, serial := atoi(digits[:3]), atoi(digits[3:5]), atoi(digits[5:])
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return false
	}
	switch digits {
	case "078051120", "219099999", "123456789", "457555462":
		return false
	}
	return !allSame(digits)
}

// USITIN reports whether 9 digits are an IRS Individual Taxpayer
// Identification Number: 9XX-YY-ZZZZ with YY in 50-65, 70-88, 90-92 or 94-99.
func USITIN(digits string) bool {
	if len(digits) != 9 || !isDigits(digits) || digits[0] != '9' {
		return false
	}
	g := atoi(digits[3:5])
	return (g >= 50 && g <= 65) || (g >= 70 && g <= 88) || (g >= 90 && g <= 92) || g >= 94
}

// ABARouting reports whether 9 digits are an ABA routing transit number:
// the 3-7-1 weighted checksum and a Federal Reserve prefix (00-12, 21-32,
// 61-72, 80).
func ABARouting(digits string) bool {
	if len(digits) != 9 || !isDigits(digits) || allSame(digits) {
		return false
	}
	p := atoi(digits[:2])
	if !(p <= 12 || (p >= 21 && p <= 32) || (p >= 61 && p <= 72) || p == 80) {
		return false
	}
	w := [9]int{3, 7, 1, 3, 7, 1, 3, 7, 1}
	sum := 0
	for i := range 9 {
		sum += w[i] * int(digits[i]-'0')
	}
	return sum%10 == 0
}

// UKNHS reports whether 10 digits are an NHS number (mod 11 check digit;
// a remainder giving 10 is never issued).
func UKNHS(digits string) bool {
	if len(digits) != 10 || !isDigits(digits) || allSame(digits) {
		return false
	}
	sum := 0
	for i := range 9 {
		sum += int(digits[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(digits[9]-'0')
}

// CASIN reports whether 9 digits are a Canadian Social Insurance Number:
// Luhn-valid, first digit not 0 or 8.
func CASIN(digits string) bool {
	return len(digits) == 9 && isDigits(digits) && digits[0] != '0' && digits[0] != '8' && !allSame(digits) && Luhn(digits)
}

// INAadhaar reports whether 12 digits are an Aadhaar number: first digit
// 2-9, Verhoeff check digit.
func INAadhaar(digits string) bool {
	return len(digits) == 12 && isDigits(digits) && digits[0] >= '2' && !allSame(digits) && Verhoeff(digits)
}

// AUTFN reports whether 8 or 9 digits are an Australian Tax File Number
// (weighted sum divisible by 11).
func AUTFN(digits string) bool {
	if !isDigits(digits) || allSame(digits) {
		return false
	}
	var w []int
	switch len(digits) {
	case 9:
		w = []int{1, 4, 3, 7, 5, 8, 6, 9, 10}
	case 8:
		w = []int{10, 7, 8, 4, 6, 3, 5, 1}
	default:
		return false
	}
	sum := 0
	for i, c := range []byte(digits) {
		sum += w[i] * int(c-'0')
	}
	return sum%11 == 0
}

// AUABN reports whether 11 digits are an Australian Business Number
// (subtract 1 from the first digit; weighted sum divisible by 89).
func AUABN(digits string) bool {
	if len(digits) != 11 || !isDigits(digits) || digits[0] == '0' {
		return false
	}
	w := [11]int{10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19}
	sum := 0
	for i := range 11 {
		d := int(digits[i] - '0')
		if i == 0 {
			d--
		}
		sum += w[i] * d
	}
	return sum%89 == 0
}

// PLPESEL reports whether 11 digits are a Polish PESEL: weighted check
// digit and an encoded birth date that exists (years 1800-2299).
func PLPESEL(digits string) bool {
	if len(digits) != 11 || !isDigits(digits) || allSame(digits) {
		return false
	}
	w := [10]int{1, 3, 7, 9, 1, 3, 7, 9, 1, 3}
	sum := 0
	for i := range 10 {
		sum += w[i] * int(digits[i]-'0')
	}
	if (10-sum%10)%10 != int(digits[10]-'0') {
		return false
	}
	yy, mm, dd := atoi(digits[:2]), atoi(digits[2:4]), atoi(digits[4:6])
	century := 1900
	switch {
	case mm > 80:
		century, mm = 1800, mm-80
	case mm > 60:
		century, mm = 2200, mm-60
	case mm > 40:
		century, mm = 2100, mm-40
	case mm > 20:
		century, mm = 2000, mm-20
	}
	return validDate(century+yy, mm, dd)
}

func validDate(y, m, d int) bool {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t.Day() == d && int(t.Month()) == m
}

// SGNRIC reports whether s (9 characters, upper case) is a Singapore
// NRIC or FIN with a correct check letter (prefixes S, T, F, G, M).
func SGNRIC(s string) bool {
	if len(s) != 9 || !isDigits(s[1:8]) {
		return false
	}
	w := [7]int{2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := range 7 {
		sum += w[i] * int(s[1+i]-'0')
	}
	var table string
	switch s[0] {
	case 'S':
		table = "JZIHGFEDCBA"
	case 'T':
		sum += 4
		table = "JZIHGFEDCBA"
	case 'F':
		table = "XWUTRQPNMLK"
	case 'G':
		sum += 4
		table = "XWUTRQPNMLK"
	case 'M':
		sum += 3
		table = "KLJNPQRTUWX"
		return s[8] == table[10-sum%11]
	default:
		return false
	}
	return s[8] == table[sum%11]
}

// ESNIF reports whether s is a Spanish NIF (8 digits and a letter) or NIE
// (X, Y or Z, 7 digits and a letter) with the correct control letter. A
// hyphen before the letter is allowed.
func ESNIF(s string) bool {
	s = strings.ReplaceAll(s, "-", "")
	if len(s) != 9 {
		return false
	}
	num := s[:8]
	switch s[0] {
	case 'X':
		num = "0" + s[1:8]
	case 'Y':
		num = "1" + s[1:8]
	case 'Z':
		num = "2" + s[1:8]
	}
	if !isDigits(num) {
		return false
	}
	return "TRWAGMYFPDXBNJZSQVHLCKE"[atoi(num)%23] == s[8]
}

var (
	itOdd = [36]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // 0-9
		1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23} // A-Z
)

// ITFiscalCode reports whether s (16 characters, upper case) is an Italian
// codice fiscale with a correct check character. Omocodia substitutions
// (letters in digit positions) are accepted.
func ITFiscalCode(s string) bool {
	if len(s) != 16 {
		return false
	}
	sum := 0
	for i := range 15 {
		c := s[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c - 'A')
		default:
			return false
		}
		if i%2 == 0 { // odd positions, 1-based
			idx := v
			if c >= 'A' && c <= 'Z' {
				idx = 10 + v
			}
			sum += itOdd[idx]
		} else {
			sum += v
		}
	}
	return s[15] == byte('A'+sum%26)
}

// ibanLengths is the IBAN length of each country in the SWIFT registry.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
	"BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
	"EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
	"GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
	"IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21,
	"LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28,
	"NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22,
	"RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25,
	"SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// IBAN reports whether s is an IBAN: known country, that country's length,
// and the ISO 7064 mod 97-10 check. Spaces are ignored; letters must be
// upper case.
func IBAN(s string) bool {
	s = strings.ReplaceAll(s, " ", "")
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	if n, ok := ibanLengths[s[:2]]; !ok || n != len(s) || !isDigits(s[2:4]) {
		return false
	}
	rem := 0
	for i := range len(s) {
		c := s[(i+4)%len(s)]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// UKNINO reports whether s (9 characters, upper case, no spaces) is a
// National Insurance number: valid prefix letters, six digits, suffix A-D.
func UKNINO(s string) bool {
	if len(s) != 9 || !isDigits(s[2:8]) || s[8] < 'A' || s[8] > 'D' {
		return false
	}
	a, b := s[0], s[1]
	if strings.IndexByte("ABCEGHJKLMNOPRSTWXYZ", a) < 0 || strings.IndexByte("ABCEGHJKLMNPRSTWXYZ", b) < 0 {
		return false
	}
	switch s[:2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	return true
}

// INPAN reports whether s is an Indian Permanent Account Number: five
// letters (the fourth a holder type), four digits, one letter.
func INPAN(s string) bool {
	if len(s) != 10 || !isUpper(s[:5]) || !isDigits(s[5:9]) || !isUpper(s[9:]) {
		return false
	}
	return strings.IndexByte("ABCFGHJLPT", s[3]) >= 0 && s[5:9] != "0000"
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// BitcoinBase58 reports whether s is a Base58Check-encoded Bitcoin address
// (P2PKH version 0 or P2SH version 5) with a correct double-SHA-256
// checksum.
func BitcoinBase58(s string) bool {
	if len(s) < 26 || len(s) > 35 {
		return false
	}
	// Decode base58 into a 25-byte big-endian buffer.
	var buf [25]byte
	for i := 0; i < len(s); i++ {
		v := strings.IndexByte(base58Alphabet, s[i])
		if v < 0 {
			return false
		}
		carry := v
		for j := len(buf) - 1; j >= 0; j-- {
			carry += 58 * int(buf[j])
			buf[j] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return false
		}
	}
	// Leading '1's encode leading zero bytes; the version byte must agree.
	ones := 0
	for ones < len(s) && s[ones] == '1' {
		ones++
	}
	zeros := 0
	for zeros < len(buf) && buf[zeros] == 0 {
		zeros++
	}
	if ones != zeros && !(ones == 1 && zeros >= 1) {
		return false
	}
	if buf[0] != 0 && buf[0] != 5 {
		return false
	}
	if (buf[0] == 0) != (s[0] == '1') {
		return false
	}
	h := sha256.Sum256(buf[:21])
	h = sha256.Sum256(h[:])
	return h[0] == buf[21] && h[1] == buf[22] && h[2] == buf[23] && h[3] == buf[24]
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

// BitcoinBech32 reports whether s is a segwit address (bc1/tb1) with a
// valid Bech32 (witness v0) or Bech32m (v1+) checksum. Mixed case fails.
func BitcoinBech32(s string) bool {
	if len(s) < 14 || len(s) > 90 {
		return false
	}
	lower := strings.ToLower(s)
	if lower != s && strings.ToUpper(s) != s {
		return false
	}
	sep := strings.LastIndexByte(lower, '1')
	if sep < 1 || sep+7 > len(lower) {
		return false
	}
	hrp := lower[:sep]
	if hrp != "bc" && hrp != "tb" {
		return false
	}
	data := make([]byte, 0, len(lower)-sep-1)
	for i := sep + 1; i < len(lower); i++ {
		v := strings.IndexByte(bech32Charset, lower[i])
		if v < 0 {
			return false
		}
		data = append(data, byte(v))
	}
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	poly := func(v byte) {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := range 5 {
			if (b>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	for i := 0; i < len(hrp); i++ {
		poly(hrp[i] >> 5)
	}
	poly(0)
	for i := 0; i < len(hrp); i++ {
		poly(hrp[i] & 31)
	}
	for _, v := range data {
		poly(v)
	}
	if len(data) < 7 {
		return false
	}
	witver := data[0]
	switch {
	case chk == 1:
		return witver == 0
	case chk == 0x2bc830a3:
		return witver >= 1 && witver <= 16
	}
	return false
}

const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// GitHubToken reports whether s is a GitHub token in the 2021 format
// (ghp_, gho_, ghu_, ghs_, ghr_ and 36 base62 characters) whose last six
// characters are the base62 CRC32 of the 30 before them.
func GitHubToken(s string) bool {
	if len(s) != 40 || s[0] != 'g' || s[1] != 'h' || s[3] != '_' || strings.IndexByte("pousr", s[2]) < 0 {
		return false
	}
	body := s[4:34]
	for i := 4; i < 40; i++ {
		if strings.IndexByte(base62Alphabet, s[i]) < 0 {
			return false
		}
	}
	return s[34:] == base62CRC(body)
}

func base62CRC(s string) string {
	c := crc32.ChecksumIEEE([]byte(s))
	var out [6]byte
	for i := 5; i >= 0; i-- {
		out[i] = base62Alphabet[c%62]
		c /= 62
	}
	return string(out[:])
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isUpper(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return s != ""
}
