package check

import (
	"fmt"
	"iter"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/store/local"
)

// benchRows is the batch size of BenchmarkCheckParquet: 1,000,000 rows
// with CAIRN_BENCH_LARGE=1, otherwise 20,000 so `-benchtime 1x` stays quick.
func benchRows() int {
	if os.Getenv("CAIRN_BENCH_LARGE") == "1" {
		return 1_000_000
	}
	return 20_000
}

// writeParquet writes n rows drawn with replacement from t (in chunks of
// 8192, so memory stays bounded) to path.
func writeParquet(tb testing.TB, path string, t *table, n int, seed uint64) {
	tb.Helper()
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := rand.New(rand.NewPCG(seed, 1))
	first := t.take([]int{0}).record(memory.DefaultAllocator)
	w, err := pqarrow.NewFileWriter(first.Schema(), f, parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Snappy)), pqarrow.DefaultWriterProps())
	first.Release()
	if err != nil {
		tb.Fatal(err)
	}
	for at := 0; at < n; at += 8192 {
		idx := make([]int, min(8192, n-at))
		for i := range idx {
			idx[i] = r.IntN(t.rows())
		}
		rec := t.take(idx).record(memory.DefaultAllocator)
		if err := w.Write(rec); err != nil {
			tb.Fatal(err)
		}
		rec.Release()
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
}

// peakHeap samples the live heap every 10ms until stop is called.
func peakHeap() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		var ms runtime.MemStats
		t := time.NewTicker(10 * time.Millisecond)
		defer t.Stop()
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() uint64 { close(done); <-finished; return peak.Load() }
}

// BenchmarkCheckParquet is `cairn check` on a Parquet batch read from a
// local store (both passes), against a reference built from the source
// data: Reuters texts with a label, and shuttle's numeric rows with a
// label. It reports rows/s and the peak live heap during the check.
func BenchmarkCheckParquet(b *testing.B) {
	for _, c := range []struct {
		name string
		load func(testing.TB) *table
		opts Options
	}{
		{"reuters-text", func(tb testing.TB) *table {
			return loadJSONL(tb, "reutersgrain-train.jsonl", "reutersgrain-test.jsonl")
		}, Options{Label: "label", Text: []string{"text"}}},
		{"shuttle-numeric", func(tb testing.TB) *table { return loadCSV(tb, "shuttle.csv", "Class") }, Options{Label: "Class"}},
	} {
		b.Run(fmt.Sprintf("%s/rows=%d", c.name, benchRows()), func(b *testing.B) {
			t := c.load(b)
			ref := buildRef(b, t, c.opts)
			dir := b.TempDir()
			n := benchRows()
			writeParquet(b, filepath.Join(dir, "batch.parquet"), t, n, 1)
			st, err := local.Open(dir)
			if err != nil {
				b.Fatal(err)
			}
			fi, _ := os.Stat(filepath.Join(dir, "batch.parquet"))
			b.SetBytes(fi.Size())
			b.ReportAllocs()
			runtime.GC()
			stop := peakHeap()
			start := time.Now()
			var rep *Report
			for b.Loop() {
				rep, err = Check(b.Context(), ref, c.opts, func() iter.Seq2[Batch, error] {
					return ingest.Read(b.Context(), st, "batch.parquet", ingest.ReadOptions{})
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			el := time.Since(start)
			peak := stop()
			if rep.Rows != int64(n) {
				b.Fatalf("checked %d rows, want %d", rep.Rows, n)
			}
			var ru syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
			b.ReportMetric(float64(n)*float64(b.N)/el.Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			b.ReportMetric(float64(ru.Maxrss)/1024, "maxrss-MiB")
			b.Logf("verdict %s, %d findings, %d quarantined", rep.Verdict, len(rep.Findings), len(rep.Quarantine))
		})
	}
}
