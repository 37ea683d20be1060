package ingest

import (
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ColumnKind is how a profile summarises a column.
type ColumnKind string

const (
	// KindNull is a column with no non-null value seen yet (its type is
	// not known, e.g. an all-empty CSV column).
	KindNull ColumnKind = "null"
	// KindNumeric: integers, floats, decimals, dates, times, timestamps
	// and durations (as their integer or float value).
	KindNumeric ColumnKind = "numeric"
	// KindCategorical: strings, booleans and dictionary-encoded strings.
	KindCategorical ColumnKind = "categorical"
	// KindText: string columns named as text columns in the options.
	KindText ColumnKind = "text"
	// KindOther: lists, maps, binary and anything else: counts and nulls
	// only.
	KindOther ColumnKind = "other"
)

// leaf is one column of a batch after flattening structs.
type leaf struct {
	name  string
	arr   arrow.Array
	valid []bool // nil: use arr.IsValid; else ancestor validity AND own
}

// flatten returns the leaf columns of rec, struct fields joined with ".".
func flatten(rec arrow.RecordBatch) []leaf {
	var out []leaf
	sc := rec.Schema()
	for i := 0; i < int(rec.NumCols()); i++ {
		out = flattenArr(out, sc.Field(i).Name, rec.Column(i), nil)
	}
	return out
}

func flattenArr(out []leaf, name string, arr arrow.Array, parent []bool) []leaf {
	st, ok := arr.(*array.Struct)
	if !ok {
		var valid []bool
		if parent != nil {
			valid = make([]bool, arr.Len())
			for i := range valid {
				valid[i] = parent[i] && arr.IsValid(i)
			}
		}
		return append(out, leaf{name: name, arr: arr, valid: valid})
	}
	var v []bool
	if parent != nil || st.NullN() > 0 {
		v = make([]bool, st.Len())
		for i := range v {
			v[i] = (parent == nil || parent[i]) && st.IsValid(i)
		}
	}
	stt := st.DataType().(*arrow.StructType)
	for j := 0; j < st.NumField(); j++ {
		out = flattenArr(out, name+"."+stt.Field(j).Name, st.Field(j), v)
	}
	return out
}

func (l leaf) isValid(i int) bool {
	if l.valid != nil {
		return l.valid[i]
	}
	return l.arr.IsValid(i)
}

// kindOfType returns the summary kind of an Arrow type.
func kindOfType(t arrow.DataType) ColumnKind {
	switch t.ID() {
	case arrow.NULL:
		return KindNull
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64,
		arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64,
		arrow.FLOAT16, arrow.FLOAT32, arrow.FLOAT64,
		arrow.DATE32, arrow.DATE64, arrow.TIME32, arrow.TIME64,
		arrow.TIMESTAMP, arrow.DURATION, arrow.DECIMAL128, arrow.DECIMAL256:
		return KindNumeric
	case arrow.STRING, arrow.LARGE_STRING, arrow.STRING_VIEW, arrow.BOOL:
		return KindCategorical
	case arrow.DICTIONARY:
		d := t.(*arrow.DictionaryType)
		if k := kindOfType(d.ValueType); k == KindCategorical || k == KindNumeric {
			return k
		}
	}
	return KindOther
}

// floatsOf returns the values of a numeric array as float64 (buf reused);
// entries at null positions are unspecified.
func floatsOf(arr arrow.Array, buf []float64) []float64 {
	n := arr.Len()
	if cap(buf) < n {
		buf = make([]float64, n)
	}
	buf = buf[:n]
	switch a := arr.(type) {
	case *array.Float64:
		copy(buf, a.Float64Values())
	case *array.Int64:
		for i, v := range a.Int64Values() {
			buf[i] = float64(v)
		}
	case *array.Float32:
		for i, v := range a.Float32Values() {
			buf[i] = float64(v)
		}
	case *array.Int32:
		for i, v := range a.Int32Values() {
			buf[i] = float64(v)
		}
	case *array.Int16:
		for i, v := range a.Int16Values() {
			buf[i] = float64(v)
		}
	case *array.Int8:
		for i, v := range a.Int8Values() {
			buf[i] = float64(v)
		}
	case *array.Uint64:
		for i, v := range a.Uint64Values() {
			buf[i] = float64(v)
		}
	case *array.Uint32:
		for i, v := range a.Uint32Values() {
			buf[i] = float64(v)
		}
	case *array.Uint16:
		for i, v := range a.Uint16Values() {
			buf[i] = float64(v)
		}
	case *array.Uint8:
		for i, v := range a.Uint8Values() {
			buf[i] = float64(v)
		}
	case *array.Float16:
		for i, v := range a.Values() {
			buf[i] = float64(v.Float32())
		}
	case *array.Date32:
		for i, v := range a.Date32Values() {
			buf[i] = float64(v)
		}
	case *array.Date64:
		for i, v := range a.Date64Values() {
			buf[i] = float64(v)
		}
	case *array.Time32:
		for i, v := range a.Time32Values() {
			buf[i] = float64(v)
		}
	case *array.Time64:
		for i, v := range a.Time64Values() {
			buf[i] = float64(v)
		}
	case *array.Timestamp:
		for i, v := range a.TimestampValues() {
			buf[i] = float64(v)
		}
	case *array.Duration:
		for i, v := range a.DurationValues() {
			buf[i] = float64(v)
		}
	case *array.Decimal128:
		sc := a.DataType().(*arrow.Decimal128Type).Scale
		for i := range n {
			buf[i] = a.Value(i).ToFloat64(sc)
		}
	case *array.Decimal256:
		sc := a.DataType().(*arrow.Decimal256Type).Scale
		for i := range n {
			buf[i] = a.Value(i).ToFloat64(sc)
		}
	case *array.Dictionary:
		vals := floatsOf(a.Dictionary(), nil)
		for i := range n {
			if a.IsValid(i) {
				buf[i] = vals[a.GetValueIndex(i)]
			}
		}
	default:
		clear(buf)
	}
	return buf
}

// stringer returns a function giving the string value of row i of a
// categorical array.
func stringer(arr arrow.Array) func(i int) string {
	switch a := arr.(type) {
	case *array.String:
		return a.Value
	case *array.LargeString:
		return a.Value
	case *array.StringView:
		return a.Value
	case *array.Boolean:
		return func(i int) string { return strconv.FormatBool(a.Value(i)) }
	case *array.Dictionary:
		d := stringer(a.Dictionary())
		return func(i int) string { return d(a.GetValueIndex(i)) }
	}
	return func(i int) string { return arr.ValueStr(i) }
}

// labelString returns a label value as a class key: strings as they are,
// integers in decimal, floats in the shortest 'g' form, booleans as
// true/false.
func labelStringer(arr arrow.Array) func(i int) string {
	switch kindOfType(arr.DataType()) {
	case KindNumeric:
		switch arr.DataType().ID() {
		case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
			buf := floatsOf(arr, nil)
			return func(i int) string { return strconv.FormatInt(int64(buf[i]), 10) }
		}
		buf := floatsOf(arr, nil)
		return func(i int) string { return strconv.FormatFloat(buf[i], 'g', -1, 64) }
	}
	return stringer(arr)
}
