package lineage

import (
	"fmt"
	"strconv"
	"strings"
)

// Markdown renders the diff for a pull-request comment: a summary table,
// then one section per non-empty part, policy first. Lists longer than ten
// items are folded into a <details> block. Names and values from the
// manifests are shown as QuoteUnprintable shows them, in code spans or
// escaped, so none can add a line or Markdown structure.
func (d *Diff) Markdown() string {
	var b strings.Builder
	title := d.New.Name
	if title == "" {
		title = d.Old.Name
	}
	if title == "" {
		title = "dataset"
	}
	fmt.Fprintf(&b, "### cairn diff: %s", mdCode(title))
	if d.Old.Version != "" || d.New.Version != "" {
		fmt.Fprintf(&b, " %s → %s", mdText(orDash(d.Old.Version)), mdText(orDash(d.New.Version)))
	}
	b.WriteString("\n\n")
	if d.Empty() {
		b.WriteString("No differences: same bytes, same policy, same derivation.\n")
		return b.String()
	}
	b.WriteString("| | old | new | change |\n|---|---:|---:|---:|\n")
	rootChange := "unchanged"
	if d.Old.Root != d.New.Root {
		rootChange = "**changed**"
	}
	fmt.Fprintf(&b, "| root | `%s` | `%s` | %s |\n", short(d.Old.Root), short(d.New.Root), rootChange)
	fmt.Fprintf(&b, "| objects | %s | %s | %s |\n", commas(d.Old.Objects), commas(d.New.Objects), signed(d.New.Objects-d.Old.Objects))
	fmt.Fprintf(&b, "| bytes | %s | %s | %s |\n", iec(d.Old.Bytes), iec(d.New.Bytes), signedBytes(d.New.Bytes-d.Old.Bytes))
	if d.Old.ParquetObjects+d.New.ParquetObjects > 0 {
		fmt.Fprintf(&b, "| rows (Parquet) | %s | %s | %s |\n", commas(d.Old.Rows), commas(d.New.Rows), signed(d.New.Rows-d.Old.Rows))
	}
	b.WriteString("\n")
	section := func(title string, cs []Change) {
		if len(cs) == 0 {
			return
		}
		fmt.Fprintf(&b, "#### %s\n\n", title)
		for _, l := range changeLines(cs, mdStyle) {
			b.WriteString("- " + l + "\n")
		}
		b.WriteString("\n")
	}
	section("Dataset", d.Dataset)
	section("⚠️ Policy", d.Policy)
	section("Schema", d.Schema)
	section("Transformation", d.Transformation)
	if c := d.Content; c != nil {
		b.WriteString("#### Content\n\n")
		if s := contentSummary(c); s != "" {
			b.WriteString("**" + s + "**")
			if c.Unchanged > 0 {
				fmt.Fprintf(&b, " · %s unchanged", commas(c.Unchanged))
			}
			b.WriteString("\n\n")
		}
		if c.ParamsChanged {
			b.WriteString("Tree parameters changed (part size or leaf planners): object roots are not comparable.\n\n")
		}
		rows := contentRows(c, true)
		if len(rows) > 0 {
			head := "| | object | size | rows |\n|---|---|---:|---:|\n"
			b.WriteString(head)
			for _, r := range rows[:min(len(rows), foldAt)] {
				b.WriteString(r + "\n")
			}
			if len(rows) > foldAt {
				fmt.Fprintf(&b, "\n<details><summary>%d more</summary>\n\n%s", len(rows)-foldAt, head)
				for _, r := range rows[foldAt:] {
					b.WriteString(r + "\n")
				}
				b.WriteString("\n</details>\n")
			}
			b.WriteString("\n")
		}
	}
	section("Checks", d.Checks)
	return b.String()
}

// Text renders the diff for a terminal, names from the manifests as
// QuoteUnprintable shows them and values quoted.
func (d *Diff) Text() string {
	var b strings.Builder
	name := d.New.Name
	if name == "" {
		name = d.Old.Name
	}
	fmt.Fprintf(&b, "cairn diff %s %s -> %s\n", QuoteUnprintable(orDash(name)), QuoteUnprintable(orDash(d.Old.Version)), QuoteUnprintable(orDash(d.New.Version)))
	if d.Empty() {
		b.WriteString("no differences\n")
		return b.String()
	}
	fmt.Fprintf(&b, "root     %s -> %s\n", short(d.Old.Root), short(d.New.Root))
	fmt.Fprintf(&b, "objects  %s -> %s (%s)\n", commas(d.Old.Objects), commas(d.New.Objects), signed(d.New.Objects-d.Old.Objects))
	fmt.Fprintf(&b, "bytes    %s -> %s (%s)\n", iec(d.Old.Bytes), iec(d.New.Bytes), signedBytes(d.New.Bytes-d.Old.Bytes))
	if d.Old.ParquetObjects+d.New.ParquetObjects > 0 {
		fmt.Fprintf(&b, "rows     %s -> %s (%s, Parquet only)\n", commas(d.Old.Rows), commas(d.New.Rows), signed(d.New.Rows-d.Old.Rows))
	}
	section := func(title string, cs []Change) {
		if len(cs) == 0 {
			return
		}
		b.WriteString("\n" + title + ":\n")
		for _, l := range changeLines(cs, textStyle) {
			b.WriteString("  " + l + "\n")
		}
	}
	section("dataset", d.Dataset)
	section("policy", d.Policy)
	section("schema", d.Schema)
	section("transformation", d.Transformation)
	if c := d.Content; c != nil {
		b.WriteString("\ncontent: " + contentSummary(c))
		if c.Unchanged > 0 {
			fmt.Fprintf(&b, ", %s unchanged", commas(c.Unchanged))
		}
		b.WriteString("\n")
		rows := contentRows(c, false)
		for _, r := range rows[:min(len(rows), foldAt)] {
			b.WriteString("  " + r + "\n")
		}
		if len(rows) > foldAt {
			fmt.Fprintf(&b, "  ... and %d more\n", len(rows)-foldAt)
		}
	}
	section("checks", d.Checks)
	return b.String()
}

// style is how changeLines renders: for Markdown or for a terminal.
type style struct {
	value func(string) string // a changed value
	text  func(string) string // data within a field's name
	bold  func(string) string
	arrow string
}

var (
	mdStyle   = style{value: mdCode, text: mdText, bold: func(s string) string { return "**" + s + "**" }, arrow: "→"}
	textStyle = style{value: strconv.Quote, text: QuoteUnprintable, bold: func(s string) string { return s }, arrow: "->"}
)

// changeLines groups changes by field: one line per field, additions and
// removals of a set together, long lists folded.
func changeLines(cs []Change, st style) []string {
	quote := st.value
	var lines []string
	for i := 0; i < len(cs); {
		j := i
		for j < len(cs) && cs[j].Field == cs[i].Field {
			j++
		}
		group := cs[i:j]
		name := st.bold(fieldName(cs[i].Field, st.text))
		if len(group) == 1 && group[0].Op == OpChanged {
			lines = append(lines, fmt.Sprintf("%s: %s %s %s", name, quote(group[0].Old), st.arrow, quote(group[0].New)))
		} else {
			var added, removed []string
			for _, c := range group {
				switch c.Op {
				case OpAdded:
					added = append(added, quote(c.New))
				case OpRemoved:
					removed = append(removed, quote(c.Old))
				case OpChanged:
					added = append(added, quote(c.New)+" (was "+quote(c.Old)+")")
				}
			}
			var parts []string
			if len(added) > 0 {
				parts = append(parts, "added "+fold(added))
			}
			if len(removed) > 0 {
				parts = append(parts, "removed "+fold(removed))
			}
			lines = append(lines, fmt.Sprintf("%s: %s", name, strings.Join(parts, "; ")))
		}
		i = j
	}
	return lines
}

func fold(items []string) string {
	if len(items) <= foldAt {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:foldAt], ", ") + fmt.Sprintf(" and %d more", len(items)-foldAt)
}

// contentSummary says "2 added, 1 removed, 3 modified, 1 renamed" with
// zero counts omitted.
func contentSummary(c *ContentDiff) string {
	var parts []string
	for _, p := range []struct {
		n    int
		verb string
	}{{len(c.Added), "added"}, {len(c.Removed), "removed"}, {len(c.Modified), "modified"}, {len(c.Renamed), "renamed"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.verb))
		}
	}
	return strings.Join(parts, ", ")
}

// contentRows lists the object changes, added, removed, modified, renamed.
func contentRows(c *ContentDiff, md bool) []string {
	var rows []string
	code := func(s string) string {
		if md {
			return mdCell(mdCode(s))
		}
		return QuoteUnprintable(s)
	}
	row := func(mark, obj, size, rows string) string {
		if md {
			return fmt.Sprintf("| %s | %s | %s | %s |", mark, obj, size, rows)
		}
		s := mark + " " + obj
		if size != "" {
			s += "  " + size
		}
		if rows != "" {
			s += "  " + rows
		}
		return s
	}
	rowsText := func(old, new int64) string {
		switch {
		case old < 0 && new < 0:
			return ""
		case old < 0:
			return commas(new) + " rows"
		case new < 0:
			return commas(old) + " rows"
		case old == new:
			return commas(new) + " rows"
		}
		return fmt.Sprintf("%s → %s (%s)", commas(old), commas(new), signed(new-old))
	}
	arrow := "→"
	if !md {
		arrow = "->"
	}
	for _, a := range c.Added {
		rows = append(rows, row("+", code(a.Path), iec(a.NewSize), rowsText(-1, a.NewRows)))
	}
	for _, r := range c.Removed {
		rows = append(rows, row("−", code(r.Path), iec(r.OldSize), rowsText(r.OldRows, -1)))
	}
	for _, m := range c.Modified {
		size := iec(m.NewSize)
		if m.NewSize != m.OldSize {
			size = fmt.Sprintf("%s %s %s (%s)", iec(m.OldSize), arrow, iec(m.NewSize), signedBytes(m.NewSize-m.OldSize))
		}
		rows = append(rows, row("~", code(m.Path), size, strings.ReplaceAll(rowsText(m.OldRows, m.NewRows), "→", arrow)))
	}
	for _, r := range c.Renamed {
		rows = append(rows, row(arrow, code(r.From)+" "+arrow+" "+code(r.To), iec(r.Size), ""))
	}
	if !md {
		for i, r := range rows {
			rows[i] = strings.ReplaceAll(r, "−", "-")
		}
	}
	return rows
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func short(root string) string {
	if len(root) > 12 {
		return root[:12]
	}
	return root
}

// commas formats n with thousands separators.
func commas(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

func signed(n int64) string {
	switch {
	case n > 0:
		return "+" + commas(n)
	case n < 0:
		return "−" + commas(-n)
	}
	return "0"
}

// FormatBytes formats a byte count for people: exact below 1 KiB, else to
// three significant figures in KiB, MiB, GiB, TiB or PiB ("1.50 GiB").
func FormatBytes(n int64) string { return iec(n) }

// iec formats a byte count: exact below 1 KiB, else to three significant
// figures in KiB, MiB, GiB, TiB.
func iec(n int64) string {
	if n < 1024 && n > -1024 {
		return strconv.FormatInt(n, 10) + " B"
	}
	v := float64(n)
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB"}
	u := -1
	for (v >= 1024 || v <= -1024) && u < len(units)-1 {
		v /= 1024
		u++
	}
	switch {
	case v >= 100 || v <= -100:
		return fmt.Sprintf("%.0f %s", v, units[u])
	case v >= 10 || v <= -10:
		return fmt.Sprintf("%.1f %s", v, units[u])
	}
	return fmt.Sprintf("%.2f %s", v, units[u])
}

func signedBytes(n int64) string {
	switch {
	case n > 0:
		return "+" + iec(n)
	case n < 0:
		return "−" + iec(-n)
	}
	return "0 B"
}
