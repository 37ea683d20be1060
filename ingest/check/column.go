package check

import (
	"math"
	"slices"
	"strconv"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// Kind is how a check treats a column.
type Kind string

// Column kinds.
const (
	KindNumeric     Kind = "numeric"     // integers and floats
	KindCategorical Kind = "categorical" // strings, booleans, dictionaries not named as text
	KindText        Kind = "text"        // named in Options.Text
	KindLabel       Kind = "label"       // named in Options.Label
	KindOther       Kind = "other"       // nested and other types: schema checks only
)

func isNumericType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64:
		return true
	}
	return false
}

func isStringType(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW,
		arrow.BINARY, arrow.LARGE_BINARY, arrow.BINARY_VIEW:
		return true
	case arrow.DICTIONARY:
		return isStringType(t.(*arrow.DictionaryType).ValueType)
	}
	return false
}

// labelable reports whether a column can serve as a label: strings,
// integers, booleans, dictionaries of those.
func labelable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return true
	case arrow.DICTIONARY:
		return labelable(t.(*arrow.DictionaryType).ValueType)
	}
	return isStringType(t)
}

func kindOf(name string, t arrow.DataType, opts *Options) Kind {
	if name == opts.Label {
		return KindLabel
	}
	for _, c := range opts.Text {
		if c == name {
			return KindText
		}
	}
	if slices.Contains(opts.Ignore, name) {
		return KindOther
	}
	switch {
	case isNumericType(t):
		return KindNumeric
	case isStringType(t), t.ID() == arrow.BOOL:
		return KindCategorical
	}
	return KindOther
}

// floatAt returns the value of a numeric array at i and false for a null.
func floatAt(a arrow.Array, i int) (float64, bool) {
	if a.IsNull(i) {
		return 0, false
	}
	switch a := a.(type) {
	case *array.Float64:
		return a.Value(i), true
	case *array.Float32:
		return float64(a.Value(i)), true
	case *array.Int64:
		return float64(a.Value(i)), true
	case *array.Int32:
		return float64(a.Value(i)), true
	case *array.Int16:
		return float64(a.Value(i)), true
	case *array.Int8:
		return float64(a.Value(i)), true
	case *array.Uint64:
		return float64(a.Value(i)), true
	case *array.Uint32:
		return float64(a.Value(i)), true
	case *array.Uint16:
		return float64(a.Value(i)), true
	case *array.Uint8:
		return float64(a.Value(i)), true
	case *array.Float16:
		return float64(a.Value(i).Float32()), true
	}
	f, err := strconv.ParseFloat(a.ValueStr(i), 64)
	return f, err == nil
}

// textAt returns the value of a string or binary array at i and false for a
// null. String values alias the array's buffer: clone them to keep them
// past the record's lifetime. Other types are rendered with ValueStr.
func textAt(a arrow.Array, i int) (string, bool) {
	if a.IsNull(i) {
		return "", false
	}
	switch a := a.(type) {
	case *array.String:
		return a.Value(i), true
	case *array.LargeString:
		return a.Value(i), true
	case *array.StringView:
		return a.Value(i), true
	case *array.Binary:
		return string(a.Value(i)), true
	case *array.LargeBinary:
		return string(a.Value(i)), true
	case *array.BinaryView:
		return string(a.Value(i)), true
	case *array.Dictionary:
		return textAt(a.Dictionary(), a.GetValueIndex(i))
	}
	return a.ValueStr(i), true
}

// isBinaryJunk reports whether a text cell is not text: invalid UTF-8, a NUL
// byte, or more than 10% control characters other than tab and newlines.
func isBinaryJunk(b string) bool {
	if !utf8.ValidString(b) {
		return true
	}
	ctrl, n := 0, 0
	for _, r := range b {
		n++
		if r == 0 {
			return true
		}
		if r != '\t' && r != '\n' && r != '\r' && unicode.IsControl(r) {
			ctrl++
		}
	}
	return n > 0 && float64(ctrl) > 0.1*float64(n)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
