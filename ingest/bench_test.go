package ingest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/parquet-go/parquet-go"

	"github.com/cairnml/cairn/store/local"
	"github.com/cairnml/cairn/store/mem"
)

// Benchmarks report rows/s per column type. Sizes: the real files once
// (CI runs -benchtime 1x), and with CAIRN_BENCH_LARGE=1 the same data
// replicated to 3M rows as Parquet. CAIRN_BENCH_PARQUET=DIR keeps the
// generated Parquet files there (for the DuckDB comparison in the README).

func benchRecords(b *testing.B, s *mem.Store, key string, cols []string) []arrow.RecordBatch {
	var recs []arrow.RecordBatch
	for bt, err := range Read(context.Background(), s, key, ReadOptions{Columns: cols}) {
		if err != nil {
			b.Fatal(err)
		}
		bt.Record.Retain()
		recs = append(recs, bt.Record)
	}
	return recs
}

func benchProfile(b *testing.B, recs []arrow.RecordBatch, po ProfileOptions) {
	var rows int64
	for _, r := range recs {
		rows += r.NumRows()
	}
	b.ReportAllocs()
	for b.Loop() {
		p, err := NewProfile(po)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range recs {
			if err := p.Add(Batch{Path: "x", Record: r}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// BenchmarkProfile profiles in-memory batches: shuttle's 9 integer
// columns, its Class column, both with Class as label, and the Reuters text.
func BenchmarkProfile(b *testing.B) {
	s := mem.New()
	put(b, s, "shuttle.csv", readShared(b, "shuttle.csv"))
	put(b, s, "reuters.jsonl", readShared(b, "reutersgrain-train.jsonl"))
	num := benchRecords(b, s, "shuttle.csv", []string{"V1", "V2", "V3", "V4", "V5", "V6", "V7", "V8", "V9"})
	cat := benchRecords(b, s, "shuttle.csv", []string{"Class"})
	all := benchRecords(b, s, "shuttle.csv", nil)
	txt := benchRecords(b, s, "reuters.jsonl", nil)
	b.Run("numeric-9cols", func(b *testing.B) { benchProfile(b, num, ProfileOptions{}) })
	b.Run("categorical", func(b *testing.B) { benchProfile(b, cat, ProfileOptions{}) })
	b.Run("shuttle-labelled", func(b *testing.B) { benchProfile(b, all, ProfileOptions{Label: "Class"}) })
	b.Run("text-labelled", func(b *testing.B) {
		benchProfile(b, txt, ProfileOptions{Label: "label", Text: []string{"text"}})
	})
}

type shuttleRow struct {
	V1, V2, V3, V4, V5, V6, V7, V8, V9 int64
	Class                              string
}

type reutersRow struct {
	Text  string `parquet:"text"`
	Label string `parquet:"label"`
}

// writeReplicated writes rows, repeated until n rows, as a Parquet file.
func writeReplicated[T any](b *testing.B, path string, rows []T, n int) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	w := parquet.NewGenericWriter[T](f, parquet.MaxRowsPerRowGroup(256*1024))
	for done := 0; done < n; {
		k := min(len(rows), n-done)
		if _, err := w.Write(rows[:k]); err != nil {
			b.Fatal(err)
		}
		done += k
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}

func shuttleRows(b *testing.B) []shuttleRow {
	lines := strings.Split(strings.TrimSpace(string(readShared(b, "shuttle.csv"))), "\n")[1:]
	out := make([]shuttleRow, len(lines))
	for i, l := range lines {
		f := strings.Split(l, ",")
		var v [9]int64
		for j := range 9 {
			v[j], _ = strconv.ParseInt(f[j], 10, 64)
		}
		out[i] = shuttleRow{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], strings.Trim(f[9], `"`)}
	}
	return out
}

func reutersRows(b *testing.B) []reutersRow {
	var out []reutersRow
	for _, l := range strings.Split(strings.TrimSpace(string(readShared(b, "reutersgrain-train.jsonl"))), "\n") {
		var r reutersRow
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			b.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// BenchmarkProfileParquet reads replicated Parquet files from a local
// directory and profiles them, reporting rows/s and the peak Go heap seen
// between batches (which stays flat as the row count grows).
func BenchmarkProfileParquet(b *testing.B) {
	sizes := []int{58000}
	if os.Getenv("CAIRN_BENCH_LARGE") == "1" {
		sizes = append(sizes, 1_000_000, 3_000_000)
	}
	dir := os.Getenv("CAIRN_BENCH_PARQUET")
	if dir == "" {
		dir = b.TempDir()
	}
	sh, rt := shuttleRows(b), reutersRows(b)
	for _, n := range sizes {
		sp := filepath.Join(dir, fmt.Sprintf("shuttle-%d.parquet", n))
		rp := filepath.Join(dir, fmt.Sprintf("reuters-%d.parquet", n))
		if _, err := os.Stat(sp); err != nil {
			writeReplicated(b, sp, sh, n)
		}
		if _, err := os.Stat(rp); err != nil {
			writeReplicated(b, rp, rt, n)
		}
		st, err := local.Open(dir)
		if err != nil {
			b.Fatal(err)
		}
		run := func(key string, po ProfileOptions) func(b *testing.B) {
			return func(b *testing.B) {
				var peak uint64
				var ms runtime.MemStats
				for b.Loop() {
					p, err := NewProfile(po)
					if err != nil {
						b.Fatal(err)
					}
					i := 0
					for bt, err := range Read(context.Background(), st, key, ReadOptions{BatchSize: 65536}) {
						if err != nil {
							b.Fatal(err)
						}
						if err := p.Add(bt); err != nil {
							b.Fatal(err)
						}
						if i++; i%4 == 1 {
							runtime.ReadMemStats(&ms)
							peak = max(peak, ms.HeapInuse)
						}
					}
				}
				b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			}
		}
		b.Run(fmt.Sprintf("shuttle-labelled/rows=%d", n), run(filepath.Base(sp), ProfileOptions{Label: "Class"}))
		b.Run(fmt.Sprintf("reuters-text/rows=%d", n), run(filepath.Base(rp), ProfileOptions{Label: "label", Text: []string{"text"}}))
	}
}
