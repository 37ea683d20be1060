package classify

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// benchRows is the size of the generated table: a million rows with
// CAIRN_BENCH_LARGE=1, small otherwise so CI's -benchtime 1x stays fast.
func benchRows() int {
	if os.Getenv("CAIRN_BENCH_LARGE") == "1" {
		return 1 << 20
	}
	return 1 << 14
}

var notesText = []string{
	"Customer asked about the delivery window and was told Tuesday.",
	"Refund issued; reference 88231, see ticket history for details.",
	"Please call back on +44 20 7946 0958 after 5pm.",
	"Card ending 1111 was declined twice, customer will retry tomorrow.",
	"Escalated to tier 2. Email sent to jane.doe@example.com with the summary.",
	"No issues reported. Meter reading 004512 on 2024-03-18.",
}

// mixedTable generates rows of a mixed table in batches of 8192 rows:
// int64 id, email, phone, first_name, free-text notes, float amount,
// timestamp, SSN string, IP string. It returns the batches and the
// number of string bytes.
func mixedTable(mem memory.Allocator, rows int) ([]arrow.RecordBatch, int64) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "email", Type: arrow.BinaryTypes.String},
		{Name: "phone", Type: arrow.BinaryTypes.String},
		{Name: "first_name", Type: arrow.BinaryTypes.String},
		{Name: "notes", Type: arrow.BinaryTypes.String},
		{Name: "amount", Type: arrow.PrimitiveTypes.Float64},
		{Name: "created", Type: &arrow.TimestampType{Unit: arrow.Microsecond}},
		{Name: "ssn", Type: arrow.BinaryTypes.String},
		{Name: "client_ip", Type: arrow.BinaryTypes.String},
	}, nil)
	rng := rand.New(rand.NewPCG(1, 2))
	names := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald"}
	var out []arrow.RecordBatch
	var bytes int64
	for start := 0; start < rows; start += 8192 {
		n := min(8192, rows-start)
		b := array.NewRecordBuilder(mem, schema)
		for i := start; i < start+n; i++ {
			strs := []string{
				fmt.Sprintf("user%d@example.com", i),
				fmt.Sprintf("+1 202 555 %04d", i%10000),
				names[i%len(names)],
				notesText[rng.IntN(len(notesText))],
				fmt.Sprintf("%03d-%02d-%04d", 100+i%600, 1+i%98, 1+i%9998),
				fmt.Sprintf("10.%d.%d.%d", i>>16&255, i>>8&255, i&255),
			}
			for _, s := range strs {
				bytes += int64(len(s))
			}
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append(strs[0])
			b.Field(2).(*array.StringBuilder).Append(strs[1])
			b.Field(3).(*array.StringBuilder).Append(strs[2])
			b.Field(4).(*array.StringBuilder).Append(strs[3])
			b.Field(5).(*array.Float64Builder).Append(rng.Float64() * 100)
			b.Field(6).(*array.TimestampBuilder).Append(arrow.Timestamp(time.Date(2024, 1, 1, 0, 0, i, 0, time.UTC).UnixMicro()))
			b.Field(7).(*array.StringBuilder).Append(strs[4])
			b.Field(8).(*array.StringBuilder).Append(strs[5])
			bytes += 8 // the int64 id is scanned as text too
		}
		out = append(out, b.NewRecordBatch())
		b.Release()
	}
	return out, bytes
}

// BenchmarkClassifyColumns measures column classification of a mixed
// table, single-threaded: "sample" is the default (1000 values per
// column), "all" classifies every value. Reported: MB/s of string (and
// integer) data and cells/s (values of the 9 columns).
func BenchmarkClassifyColumns(b *testing.B) {
	rows := benchRows()
	batches, size := mixedTable(memory.DefaultAllocator, rows)
	defer func() {
		for _, r := range batches {
			r.Release()
		}
	}()
	for _, bc := range []struct {
		name   string
		sample int
	}{{"sample1000", 1000}, {"all", -1}} {
		b.Run(fmt.Sprintf("%s/rows=%d", bc.name, rows), func(b *testing.B) {
			s := newTestScanner(b, Options{})
			b.SetBytes(size)
			b.ReportAllocs()
			cpu0 := cpuTime()
			for b.Loop() {
				c, err := NewClassifier(s, ColumnOptions{Sample: bc.sample})
				if err != nil {
					b.Fatal(err)
				}
				row := int64(0)
				for _, r := range batches {
					if err := c.Add("bench.parquet", row, r); err != nil {
						b.Fatal(err)
					}
					row += r.NumRows()
				}
				if rep := c.Report(); len(rep.Columns) < 5 {
					b.Fatalf("only %d columns labelled", len(rep.Columns))
				}
			}
			b.ReportMetric(float64(rows*9)*float64(b.N)/b.Elapsed().Seconds(), "cells/s")
			reportCPU(b, cpu0, float64(size), float64(rows*9))
		})
	}
}

// BenchmarkScanLongText measures free-text scanning of one long cell of
// prose with a finding every few hundred bytes.
func BenchmarkScanLongText(b *testing.B) {
	for _, size := range []int{4 << 10, 64 << 10, 1 << 20} {
		var sb strings.Builder
		for i := 0; sb.Len() < size; i++ {
			sb.WriteString(notesText[i%len(notesText)])
			sb.WriteByte(' ')
			if i%7 == 0 {
				sb.WriteString("The quick brown fox jumps over the lazy dog 42 times in 2023. ")
			}
		}
		text := sb.String()[:size]
		b.Run(fmt.Sprintf("size=%d", size), func(b *testing.B) {
			s := newTestScanner(b, Options{MaxBytes: 2 << 20})
			b.SetBytes(int64(len(text)))
			b.ReportAllocs()
			n := 0
			cpu0 := cpuTime()
			for b.Loop() {
				n = len(s.Scan(text).Findings)
			}
			reportCPU(b, cpu0, float64(len(text)), 0)
			if n == 0 {
				b.Fatal("no findings")
			}
		})
	}
}

// reportCPU reports throughput per CPU-second (all threads, GC included)
// since cpu0: the per-core figure, independent of how busy the machine is.
func reportCPU(b *testing.B, cpu0 time.Duration, bytes, cells float64) {
	cpu := (cpuTime() - cpu0).Seconds()
	if cpu <= 0 {
		return
	}
	n := float64(b.N)
	b.ReportMetric(bytes*n/cpu/1e6, "MB/cpu-s")
	if cells > 0 {
		b.ReportMetric(cells*n/cpu, "cells/cpu-s")
	}
}
