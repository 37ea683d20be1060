package classify

import (
	"strings"
	"unicode"
)

// nameHints maps entity types to phrases that, found in a column's name,
// suggest the column holds that type. Phrases are lower-case tokens
// separated by single spaces; column names are tokenised the same way
// ("contact.emailAddress" -> "contact email address").
var nameHints = map[string][]string{
	"EMAIL_ADDRESS":  {"email", "e mail", "mail", "emailaddress"},
	"PHONE_NUMBER":   {"phone", "tel", "telephone", "mobile", "cell", "fax", "msisdn", "phonenumber", "cellphone"},
	"CREDIT_CARD":    {"card", "cc", "credit card", "card number", "cardnumber", "ccnum", "cc number"},
	"US_SSN":         {"ssn", "social security"},
	"US_ITIN":        {"itin"},
	"US_BANK_NUMBER": {"routing", "aba", "routing number", "account number", "acct", "bank account", "account no", "accountnumber"},
	"IBAN_CODE":      {"iban"},
	"IP_ADDRESS":     {"ip", "ipv4", "ipv6", "ipaddr", "ip address", "remote addr", "client ip", "ipaddress"},
	"MAC_ADDRESS":    {"mac", "mac address", "macaddr", "bssid"},
	"URL":            {"url", "link", "website", "homepage", "uri", "href"},
	"CRYPTO":         {"btc", "bitcoin", "wallet"},
	"UK_NHS":         {"nhs"},
	"UK_NINO":        {"nino", "ni number", "national insurance"},
	"CA_SIN":         {"sin", "social insurance"},
	"IN_AADHAAR":     {"aadhaar", "aadhar", "uid"},
	"IN_PAN":         {"pan"},
	"AU_TFN":         {"tfn", "tax file"},
	"AU_ABN":         {"abn"},
	"SG_NRIC_FIN":    {"nric", "fin"},
	"ES_NIF":         {"nif", "nie", "dni"},
	"IT_FISCAL_CODE": {"codice fiscale", "fiscal code", "cf", "codicefiscale"},
	"PL_PESEL":       {"pesel"},
	"DATE_TIME":      {"date", "time", "timestamp", "created", "updated", "datetime"},
	"DATE_OF_BIRTH":  {"dob", "birth", "birthday", "birthdate", "date of birth", "born", "bday"},
	"PERSON": {"name", "first name", "last name", "full name", "surname", "given name", "family name", "firstname",
		"lastname", "fullname", "forename", "givenname", "familyname", "middle name", "middlename"},
	"LOCATION": {"address", "street", "city", "town", "country", "zip", "zipcode", "postcode", "postal code",
		"location", "addr", "county", "province", "postalcode", "street address", "address line"},
	"GENERIC_SECRET": {"password", "passwd", "pwd", "secret", "token", "api key", "apikey", "access key", "private key",
		"client secret", "credential", "credentials", "auth token", "secret key", "access token"},
}

// notPerson are qualifiers that make "name" something other than a
// person's name ("file name", "host_name").
var notPerson = map[string]bool{
	"file": true, "host": true, "user": true, "product": true, "company": true, "org": true, "organization": true,
	"organisation": true, "table": true, "column": true, "domain": true, "brand": true, "item": true, "app": true,
	"device": true, "server": true, "field": true, "class": true, "type": true, "key": true, "bucket": true,
	"display": true, "screen": true, "project": true, "dataset": true, "model": true, "package": true, "event": true,
	"file_": true, "repo": true, "service": true, "store": true, "street": true, "city": true, "country": true,
	"path": true, "category": true, "tag": true, "team": true, "group": true, "role": true, "sheet": true, "step": true,
}

// notLocation are qualifiers that make "address" not a postal address.
var notLocation = map[string]bool{"ip": true, "email": true, "mac": true, "e": true, "mail": true, "web": true, "wallet": true, "memory": true, "btc": true}

// columnTokens splits a column path into lower-case word tokens:
// separators (. _ - space [ ]) and camelCase boundaries split words.
func columnTokens(path string) []string {
	var toks []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			toks = append(toks, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(path)
	for i, r := range rs {
		switch {
		case unicode.IsLetter(r):
			if unicode.IsUpper(r) && len(cur) > 0 {
				prevLower := unicode.IsLower(cur[len(cur)-1])
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if prevLower || (nextLower && unicode.IsUpper(cur[len(cur)-1])) {
					flush()
				}
			} else if len(cur) > 0 && unicode.IsDigit(cur[len(cur)-1]) {
				flush()
			}
			cur = append(cur, r)
		case unicode.IsDigit(r):
			if len(cur) > 0 && !unicode.IsDigit(cur[len(cur)-1]) {
				flush()
			}
			cur = append(cur, r)
		default:
			flush()
		}
	}
	flush()
	return toks
}

// columnHint is what a column's name says about it.
type columnHint struct {
	text     string          // the last two path segments as " tok tok ", for context words
	entities map[string]bool // entity types the name suggests
}

// hintFor computes the hint of a column path. Only the leaf and its parent
// segment count, so "customer.contact.email" hints EMAIL_ADDRESS and
// "email.verified_at" hints EMAIL_ADDRESS and DATE_TIME.
func hintFor(path string) columnHint {
	segs := strings.Split(strings.ReplaceAll(path, "[]", ""), ".")
	if len(segs) > 2 {
		segs = segs[len(segs)-2:]
	}
	leaf := columnTokens(segs[len(segs)-1])
	all := columnTokens(strings.Join(segs, "."))
	h := columnHint{text: " " + strings.Join(all, " ") + " ", entities: map[string]bool{}}
	leafText := " " + strings.Join(leaf, " ") + " "
	for e, phrases := range nameHints {
		for _, p := range phrases {
			if strings.Contains(h.text, " "+p+" ") {
				h.entities[e] = true
				break
			}
		}
	}
	// PERSON and LOCATION must come from the leaf and pass the qualifier
	// filters.
	if h.entities["PERSON"] {
		h.entities["PERSON"] = false
		for i, t := range leaf {
			if t != "name" && !containsPhrase(nameHints["PERSON"], t) {
				continue
			}
			if t == "name" && i > 0 && notPerson[leaf[i-1]] {
				continue
			}
			if t == "name" && len(leaf) == 1 && len(segs) == 2 {
				// "product.name": judge by the parent.
				pt := columnTokens(segs[0])
				if len(pt) > 0 && notPerson[pt[len(pt)-1]] {
					continue
				}
			}
			h.entities["PERSON"] = true
		}
	}
	if h.entities["LOCATION"] {
		h.entities["LOCATION"] = false
		for i, t := range leaf {
			if !strings.Contains(strings.Join(nameHints["LOCATION"], " "), t) {
				continue
			}
			if (t == "address" || t == "addr") && i > 0 && notLocation[leaf[i-1]] {
				continue
			}
			if containsPhrase(nameHints["LOCATION"], t) {
				h.entities["LOCATION"] = true
			}
		}
		if strings.Contains(leafText, " postal code ") || strings.Contains(leafText, " address line ") {
			h.entities["LOCATION"] = true
		}
	}
	for e, v := range h.entities {
		if !v {
			delete(h.entities, e)
		}
	}
	return h
}

func containsPhrase(ps []string, t string) bool {
	for _, p := range ps {
		if p == t {
			return true
		}
	}
	return false
}

// looksLikeName reports whether v has the shape of a person's name: one to
// six words of letters (with ' - . ,), no digits.
func looksLikeName(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 2 || len(v) > 100 {
		return false
	}
	words, letters := 0, 0
	inWord := false
	for _, r := range v {
		switch {
		case unicode.IsLetter(r):
			letters++
			if !inWord {
				words++
				inWord = true
			}
		case r == ' ':
			inWord = false
		case r == '\'' || r == '-' || r == '.' || r == ',' || r == '’':
		default:
			return false
		}
	}
	return letters >= 2 && words >= 1 && words <= 6
}

// looksLikeLocation reports whether v has the shape of an address part:
// mostly letters, digits and punctuation, at most 16 words, no '@' or URL.
func looksLikeLocation(v string) bool {
	v = strings.TrimSpace(v)
	if len(v) < 2 || len(v) > 300 || strings.ContainsAny(v, "@<>{}|") || strings.Contains(v, "://") {
		return false
	}
	words, alnum := 1, 0
	for _, r := range v {
		if r == ' ' {
			words++
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			alnum++
		}
	}
	return words <= 16 && alnum*2 >= len([]rune(v))
}

// looksLikeAccount reports whether v is a bank account number: 6 to 17
// digits, optionally grouped with spaces or hyphens.
func looksLikeAccount(v string) bool {
	v = strings.TrimSpace(v)
	n := 0
	for i := 0; i < len(v); i++ {
		switch {
		case isDigit(v[i]):
			n++
		case v[i] == ' ' || v[i] == '-':
		default:
			return false
		}
	}
	return n >= 6 && n <= 17
}

// looksLikeSecret reports whether v, a whole value, is a random credential.
func looksLikeSecret(v string) bool {
	v = strings.TrimSpace(v)
	return !strings.ContainsAny(v, " \t\n") && highEntropySecret(v)
}
