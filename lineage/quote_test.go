package lineage

import (
	"strings"
	"testing"
)

func TestQuoteUnprintable(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"csv/iris.csv", "csv/iris.csv"},
		{"with space/ünïcødé ✅.txt", "with space/ünïcødé ✅.txt"},
		{"a`b|c*d", "a`b|c*d"},
		{"", ""},
		{"new\nline.txt", `"new\nline.txt"`},
		{"tab\there", `"tab\there"`},
		{"cr\rx", `"cr\rx"`},
		{"rtl\u202egnp.exe", `"rtl\u202egnp.exe"`},
		{"nbsp\u00a0x", `"nbsp\u00a0x"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{`"looks quoted"`, `"\"looks quoted\""`},
	} {
		if got := QuoteUnprintable(c.in); got != c.want {
			t.Errorf("QuoteUnprintable(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestEscapeControls(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"not verified: a.csv: content differs", "not verified: a.csv: content differs"},
		{"open new\nline.txt: gone", `open new\nline.txt: gone`},
		{"x\r\ty\u202e\xff", `x\r\ty\u202e\xff`},
	} {
		if got := EscapeControls(c.in); got != c.want {
			t.Errorf("EscapeControls(%q) = %s, want %s", c.in, got, c.want)
		}
	}
}

func TestMarkdownEscapes(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"csv/iris.csv", "`csv/iris.csv`"},
		{"a`b", "``a`b``"},
		{"a``b`", "``` a``b` ```"},
		{"`", "`` ` ``"},
		{" a ", "`  a  `"},
		{"   ", "`   `"},
		{"x\ny", "`" + `"x\ny"` + "`"},
		{"x` |\n\n#### P", "``" + `"x` + "`" + ` |\n\n#### P"` + "``"},
	} {
		if got := mdCode(c.in); got != c.want {
			t.Errorf("mdCode(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	if got, want := mdCell(mdCode("a|b")), "`a\\|b`"; got != want {
		t.Errorf("mdCell(mdCode(a|b)) = %s, want %s", got, want)
	}
	for _, c := range []struct{ in, want string }{
		{"columns[age].type", `columns\[age\].type`},
		{"users.parquet: e-mail", "users.parquet: e-mail"},
		{"<img src=x>*b*_i_|`c`", `\<img src=x\>\*b\*\_i\_\|` + "\\`c\\`"},
		{"@team #1 ~~s~~ $x$ &amp;", `\@team \#1 \~\~s\~\~ \$x\$ \&amp;`},
		{"a\nb", `"a\\nb"`},
	} {
		if got := mdText(c.in); got != c.want {
			t.Errorf("mdText(%q) = %s, want %s", c.in, got, c.want)
		}
	}
	// No helper lets a line break through, whatever the input.
	for _, s := range []string{"a\nb", "a\r\nb", "\u2028", "\u0085"} {
		for _, out := range []string{QuoteUnprintable(s), mdCode(s), mdText(s), EscapeControls(s)} {
			if strings.ContainsAny(out, "\n\r\u2028\u0085") {
				t.Errorf("%q rendered with a line break: %q", s, out)
			}
		}
	}
}
