package classify

import (
	"hash/crc32"
	"math/big"
	"strings"
	"testing"
)

// Public test values: card numbers from the networks' and processors'
// published test lists, IBANs from the SWIFT registry examples, the NHS,
// SIN, TFN, ABN, PESEL, NRIC, NIF and codice fiscale examples their issuers
// or Wikipedia print, and BIP-173/350 addresses.
func TestValidators(t *testing.T) {
	cases := []struct {
		name string
		f    func(string) bool
		good []string
		bad  []string
	}{
		{"Luhn", Luhn, []string{"79927398713", "4111111111111111", "046454286"}, []string{"79927398710", "4111111111111112", "1", "12a4"}},
		{"CreditCard", CreditCard,
			[]string{"4111111111111111", "5555555555554444", "378282246310005", "371449635398431", "6011111111111117",
				"3530111333300000", "30569309025904", "4012888888881881", "2223003122003222", "4222222222222"},
			[]string{"4111111111111112", "1234567812345670", "0000000000000000", "411111111111111", "5555555555554", "79927398713"}},
		{"USSSN", USSSN, []string{"536221234", "001010001", "772881234"},
			[]string{"000123456", "666123456", "900123456", "123004567", "123450000", "078051120", "111111111", "53622123"}},
		{"USITIN", USITIN, []string{"912701234", "900501234", "999991234"}, []string{"912401234", "912931234", "812701234"}},
		{"ABARouting", ABARouting, []string{"021000021", "011000015", "122105278", "026009593"}, []string{"021000022", "131000021", "000000000"}},
		{"UKNHS", UKNHS, []string{"9434765919", "4010232137"}, []string{"9434765918", "0000000000", "943476591"}},
		{"CASIN", CASIN, []string{"130692544"}, []string{"130692545", "046454286", "846454286", "000000000"}},
		{"Verhoeff", Verhoeff, []string{"2363", "123451", "1428570"}, []string{"2364", "123450", "x363"}},
		{"AUTFN", AUTFN, []string{"123456782", "876543210"}, []string{"123456789", "12345678"}},
		{"AUABN", AUABN, []string{"51824753556", "53004085616"}, []string{"51824753557", "01824753556"}},
		{"PLPESEL", PLPESEL, []string{"44051401359", "02070803628"}, []string{"44051401358", "44131401350", "4405140135"}},
		{"SGNRIC", SGNRIC, []string{"S1234567D", "T1234567J", "F1234567N", "G1234567X", "M1234567K"}, []string{"S1234567A", "A1234567D", "S123456D"}},
		{"ESNIF", ESNIF, []string{"12345678Z", "12345678-Z", "X1234567L"}, []string{"12345678A", "X1234567A", "1234567Z"}},
		{"ITFiscalCode", ITFiscalCode, []string{"RSSMRA85T10A562S"}, []string{"RSSMRA85T10A562T", "RSSMRA85T10A562"}},
		{"IBAN", IBAN,
			[]string{"GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606",
				"NL91ABNA0417164300", "BE68539007547034", "CH9300762011623852957"},
			[]string{"GB82WEST12345698765433", "GB82WEST1234569876543", "XX82WEST12345698765432", "gb82west12345698765432"}},
		{"UKNINO", UKNINO, []string{"AB123456C", "JG103759A"}, []string{"QQ123456C", "BG123456A", "AB123456E", "DA123456A"}},
		{"INPAN", INPAN, []string{"ABCPE1234F", "AAACB1234C"}, []string{"ABCXE1234F", "ABCPE0000F", "ABCP1234F"}},
		{"BitcoinBase58", BitcoinBase58, []string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "1111111111111111111114oLvT2"},
			[]string{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLz", "1111111111111111111114oLvT3"}},
		{"BitcoinBech32", BitcoinBech32,
			[]string{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
				"tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7", "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", "bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs"},
			[]string{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7Kv8f3t4", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"}},
	}
	for _, c := range cases {
		for _, s := range c.good {
			if !c.f(s) {
				t.Errorf("%s(%q) = false, want true", c.name, s)
			}
		}
		for _, s := range c.bad {
			if c.f(s) {
				t.Errorf("%s(%q) = true, want false", c.name, s)
			}
		}
	}
}

// refGitHubChecksum is a slow, independent encoding of GitHub's token
// checksum: CRC32 of the 30 random characters in base 62 (digits, upper,
// lower), left-padded with '0' to six characters.
func refGitHubChecksum(body string) string {
	n := new(big.Int).SetUint64(uint64(crc32.ChecksumIEEE([]byte(body))))
	// big.Int.Text(62) uses 0-9a-zA-Z; swap the cases to get 0-9A-Za-z.
	s := n.Text(62)
	s = strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return r
	}, s)
	return strings.Repeat("0", 6-len(s)) + s
}

func TestGitHubToken(t *testing.T) {
	for _, body := range []string{"aBcDeFgHiJkLmNoPqRsTuVwXyZ0123", "000000000000000000000000000000", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"} {
		for _, p := range []string{"ghp_", "gho_", "ghs_"} {
			tok := p + body + refGitHubChecksum(body)
			if !GitHubToken(tok) {
				t.Errorf("GitHubToken(%q) = false, want true", tok)
			}
			bad := tok[:len(tok)-1] + string("01"[0]+byte(tok[len(tok)-1]%2))
			if bad != tok && GitHubToken(bad) {
				t.Errorf("GitHubToken(%q) = true with a wrong checksum", bad)
			}
		}
	}
	if GitHubToken("ghx_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123" + refGitHubChecksum("aBcDeFgHiJkLmNoPqRsTuVwXyZ0123")) {
		t.Error("unknown prefix ghx_ accepted")
	}
}

// refLuhn is the textbook Luhn: double every second digit from the right
// by string manipulation.
func refLuhn(s string) bool {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 1 {
			d = d * 2
			d = d/10 + d%10
		}
		sum += d
	}
	return len(s) > 1 && sum%10 == 0
}

func TestLuhnMatchesReference(t *testing.T) {
	for n := 0; n < 200000; n += 7 {
		s := big.NewInt(int64(n*7919 + 10)).String()
		if Luhn(s) != refLuhn(s) {
			t.Fatalf("Luhn(%q) = %v, reference %v", s, Luhn(s), refLuhn(s))
		}
	}
}

func TestWilson(t *testing.T) {
	cases := []struct {
		m, n int
		lo   float64
		hi   float64
	}{
		{0, 10, 0, 0.0001},
		{1, 10000, 0, 0.0001},
		{970, 1000, 0.955, 0.96},
		{1000, 1000, 0.996, 0.997},
		{5, 5, 0.56, 0.57},
		{0, 0, 0, 0},
	}
	for _, c := range cases {
		got := Wilson(c.m, c.n, 1.96)
		if got < c.lo || got > c.hi {
			t.Errorf("Wilson(%d, %d) = %v, want in [%v, %v]", c.m, c.n, got, c.lo, c.hi)
		}
	}
}
