package merkle

// This is the only file of package merkle that imports parquet-go. The
// planner in plan_parquet.go sees a Parquet footer only through
// parquetFooter and decodeParquetFooter.

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/parquet-go/parquet-go/format"
	"github.com/zeebo/blake3"
)

// parquetFooter is what the planner needs from a Parquet footer.
type parquetFooter struct {
	rows    int64
	columns int  // leaf columns in the schema
	schema  Hash // fingerprint, see docs/FORMAT.md
	groups  [][]parquetChunk
}

// parquetChunk is one column chunk as the footer declares it.
type parquetChunk struct {
	column   string // dotted path in schema
	start    int64  // dictionary page offset if set, else data page offset
	length   int64  // total compressed size
	external bool   // stored in another file (file_path set)
}

// decodeParquetFooter decodes the thrift-encoded FileMetaData in b. It
// never panics; decoding hostile input returns an error.
func decodeParquetFooter(b []byte) (f *parquetFooter, err error) {
	if err := checkThriftCompact(b); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("decoding footer: %v", r)
		}
	}()
	var dec format.FooterDecoder
	md, _, err := dec.Decode(b)
	if err != nil {
		return nil, err
	}
	f = &parquetFooter{rows: md.NumRows, groups: make([][]parquetChunk, len(md.RowGroups))}
	fp := blake3.New()
	for _, s := range md.Schema {
		if !s.NumChildren.Valid || s.NumChildren.V == 0 {
			f.columns++
		}
		line := []string{
			strconv.Quote(s.Name),
			nullInt(s.Type.Valid, int64(s.Type.V)),
			nullInt(s.TypeLength.Valid, int64(s.TypeLength.V)),
			nullInt(s.RepetitionType.Valid, int64(s.RepetitionType.V)),
			nullInt(s.NumChildren.Valid, int64(s.NumChildren.V)),
			nullInt(s.ConvertedType.Valid, int64(s.ConvertedType.V)),
			nullInt(s.Scale.Valid, int64(s.Scale.V)),
			nullInt(s.Precision.Valid, int64(s.Precision.V)),
			strconv.Quote(s.LogicalType.String()),
		}
		fp.WriteString(strings.Join(line, " ") + "\n")
	}
	fp.Sum(f.schema[:0])
	for i, rg := range md.RowGroups {
		cs := make([]parquetChunk, len(rg.Columns))
		for j, c := range rg.Columns {
			m := &c.MetaData
			start := m.DataPageOffset
			if m.DictionaryPageOffset > 0 && m.DictionaryPageOffset < start {
				start = m.DictionaryPageOffset
			}
			cs[j] = parquetChunk{
				column:   strings.Join(m.PathInSchema, "."),
				start:    start,
				length:   m.TotalCompressedSize,
				external: c.FilePath != "",
			}
		}
		f.groups[i] = cs
	}
	return f, nil
}

func nullInt(valid bool, v int64) string {
	if !valid {
		return "-"
	}
	return strconv.FormatInt(v, 10)
}
