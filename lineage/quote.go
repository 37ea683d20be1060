package lineage

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Object paths, column names, licence names and the other strings of a
// manifest come from the data and whoever wrote it. Every human-facing
// rendering (the text and Markdown reports, one-line errors) passes them
// through the helpers below, so that a name can neither split a line nor
// add Markdown structure. JSON output needs none of this: encoding/json
// escapes it.

// QuoteUnprintable returns s unchanged when it is valid UTF-8 of printable
// characters only (unicode.IsPrint: letters, marks, numbers, punctuation,
// symbols and the ASCII space) and does not start with a double quote;
// otherwise it returns s quoted with Go escapes (strconv.Quote). A result
// never contains a line break or other control character, and a quoted
// result cannot be mistaken for a plain name.
func QuoteUnprintable(s string) string {
	if !utf8.ValidString(s) || strings.HasPrefix(s, `"`) || strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0 {
		return strconv.Quote(s)
	}
	return s
}

// mdCode renders s as a Markdown code span that shows s exactly
// (QuoteUnprintable applied): the fence is one backtick longer than the
// longest run of backticks in s, so none of them can close the span
// (CommonMark §6.1), padded with spaces where the renderer would otherwise
// strip or merge them. It does not escape pipes: in a table cell, wrap it
// in mdCell.
func mdCode(s string) string {
	s = QuoteUnprintable(s)
	longest, run := 0, 0
	for _, r := range s {
		if r == '`' {
			run++
			longest = max(longest, run)
		} else {
			run = 0
		}
	}
	fence := strings.Repeat("`", longest+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") ||
		strings.HasPrefix(s, " ") && strings.HasSuffix(s, " ") && strings.Trim(s, " ") != "" {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdCell makes s, rendered Markdown, safe inside a GFM table cell: every
// pipe is escaped, so it cannot end the cell (GFM unescapes \| before it
// parses the cell's inlines, code spans included).
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// mdText renders s as plain Markdown inline text (QuoteUnprintable
// applied): each ASCII punctuation character that can start Markdown or
// HTML structure, a mention or a reference (emphasis, code, links, tags,
// entities, tables, strikethrough, math, @ and #) is backslash-escaped, so
// it renders literally. Safe in a table cell too.
func mdText(s string) string {
	s = QuoteUnprintable(s)
	var b strings.Builder
	for _, r := range s {
		if r < utf8.RuneSelf && strings.ContainsRune("\\`*_[]<>&|~$!#@(){}^", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// EscapeControls returns s with each character that is not printable
// (unicode.IsPrint false: line breaks, tabs, other control and format
// characters) replaced by its Go escape, such as \n or \u202e, and each
// invalid UTF-8 byte by \xNN. Meant for a whole message that must stay on
// one line; quote a name in it with QuoteUnprintable instead.
func EscapeControls(s string) string {
	if utf8.ValidString(s) && strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		q := s[:n]
		if r == utf8.RuneError && n == 1 || !unicode.IsPrint(r) {
			q = strconv.Quote(q)
			q = q[1 : len(q)-1]
		}
		b.WriteString(q)
		s = s[n:]
	}
	return b.String()
}
