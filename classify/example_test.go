package classify_test

import (
	"fmt"
	"strings"

	"github.com/cairnml/cairn/classify"
)

func ExampleScanner_Scan() {
	s, err := classify.NewScanner(nil, classify.Options{})
	if err != nil {
		panic(err)
	}
	r := s.Scan("Zoë paid with 4111 1111 1111 1111; reach her at zoe@example.com.")
	for _, f := range r.Findings {
		fmt.Println(f.Entity, f.Start, f.End, f.Score)
	}
	// Output:
	// CREDIT_CARD 14 33 1
	// EMAIL_ADDRESS 48 63 1
}

func ExampleParseRules() {
	ds, err := classify.ParseRules(strings.NewReader(`
rules:
  - name: employee_id
    entity: EMPLOYEE_ID
    pattern: '\bEMP-\d{6}\b'
    score: 0.9
`))
	if err != nil {
		panic(err)
	}
	reg := classify.DefaultRegistry()
	for _, d := range ds {
		if err := reg.Register(d); err != nil {
			panic(err)
		}
	}
	s, _ := classify.NewScanner(reg, classify.Options{Entities: []string{"EMPLOYEE_ID"}})
	fmt.Println(s.Scan("badge EMP-004211 issued").Findings[0].Entity)
	// Output: EMPLOYEE_ID
}

func ExampleTokenizer_Token() {
	tok, err := classify.NewTokenizer([]byte("a secret key of at least 16 bytes"))
	if err != nil {
		panic(err)
	}
	a := tok.Token("EMAIL_ADDRESS", "Jane.Doe@Example.com")
	b := tok.Token("EMAIL_ADDRESS", " jane.doe@example.com")
	fmt.Println(a == b, len(a))
	// Output: true 36
}
