package cairn_test

// Throughput benchmarks of the whole library on real files. Under
// `go test -bench . -benchtime 1x` (CI) they use small sizes; set
// CAIRN_BENCH_LARGE=1 for the sizes in the README (one 2 GiB file, 2,000
// files of 1 MiB, RSS at 1 GiB vs 8 GiB). Benchmarks that compare with
// b3sum run it on the same, page-cached bytes in the same run, and skip
// that sub-benchmark when b3sum is not installed.

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store/local"
	"github.com/parquet-go/parquet-go"
)

func large() bool { return os.Getenv("CAIRN_BENCH_LARGE") == "1" }

// writeFile writes size pseudo-random bytes (a random MiB, stamped with
// the file and MiB index so no two MiBs are equal) to path.
func writeFile(tb testing.TB, path string, size int64, seed uint64) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		tb.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	r := rand.New(rand.NewPCG(seed, 1))
	block := make([]byte, 1<<20)
	for i := range block {
		block[i] = byte(r.Uint32())
	}
	for off, i := int64(0), uint64(0); off < size; off, i = off+int64(len(block)), i+1 {
		copy(block, fmt.Sprintf("%d/%d", seed, i))
		n := min(int64(len(block)), size-off)
		if _, err := f.Write(block[:n]); err != nil {
			tb.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
}

// warm reads every file once so the page cache holds them.
func warm(tb testing.TB, paths []string) {
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			tb.Fatal(err)
		}
		io.Copy(io.Discard, f)
		f.Close()
	}
}

func buildDir(b *testing.B, dir string) *merkle.Dataset {
	st, err := local.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	d, err := merkle.Build(context.Background(), st, "", merkle.Options{})
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// benchBuildDir measures building the tree over dir, which holds size bytes.
func benchBuildDir(b *testing.B, dir string, size int64) {
	b.SetBytes(size)
	b.ReportAllocs()
	start := cpuTime()
	for b.Loop() {
		buildDir(b, dir)
	}
	reportCPU(b, cpuTime()-start, size)
}

func b3sum(b *testing.B, dir string, files []string, size int64) {
	path, err := exec.LookPath("b3sum")
	if err != nil {
		b.Skip("b3sum not installed (apt-get install b3sum)")
	}
	var cpu time.Duration
	for b.Loop() {
		cmd := exec.Command(path, append([]string{"--num-threads", "2", "--no-names"}, files...)...)
		cmd.Dir = dir
		cmd.Stdout = io.Discard
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
		cpu += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	reportCPU(b, cpu, size)
}

// cpuTime returns the user+system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports throughput per CPU-second, which a machine shared with
// other jobs disturbs far less than wall-clock throughput.
func reportCPU(b *testing.B, cpu time.Duration, size int64) {
	if cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/cpu.Seconds()/1e9, "GB/cpu-s")
	}
}

// BenchmarkTreeOneFile builds the dataset tree over one file (256 MiB, or
// 2 GiB with CAIRN_BENCH_LARGE=1), against b3sum --num-threads 2.
func BenchmarkTreeOneFile(b *testing.B) {
	size := int64(256 << 20)
	if large() {
		size = 2 << 30
	}
	dir := b.TempDir()
	writeFile(b, filepath.Join(dir, "big.bin"), size, 1)
	warm(b, []string{filepath.Join(dir, "big.bin")})
	b.Run("cairn", func(b *testing.B) { benchBuildDir(b, dir, size) })
	b.Run("b3sum", func(b *testing.B) {
		b.SetBytes(size)
		b3sum(b, dir, []string{"big.bin"}, size)
	})
}

// BenchmarkTreeManyFiles builds over 200 files of 1 MiB (2,000 with
// CAIRN_BENCH_LARGE=1), against b3sum --num-threads 2 over the same files.
func BenchmarkTreeManyFiles(b *testing.B) {
	n := 200
	if large() {
		n = 2000
	}
	dir := b.TempDir()
	var names, paths []string
	for i := range n {
		name := fmt.Sprintf("shard-%04d.bin", i)
		names = append(names, name)
		paths = append(paths, filepath.Join(dir, name))
		writeFile(b, paths[i], 1<<20, uint64(i))
	}
	warm(b, paths)
	size := int64(n) << 20
	b.Run("cairn", func(b *testing.B) { benchBuildDir(b, dir, size) })
	b.Run("b3sum", func(b *testing.B) {
		b.SetBytes(size)
		b3sum(b, dir, names, size)
	})
}

type benchRow struct {
	ID    int64   `parquet:"id"`
	Name  string  `parquet:"name"`
	Score float64 `parquet:"score"`
	Count int32   `parquet:"count"`
}

// BenchmarkParquetRead reads columns id and score of every row group of a
// Parquet file (1M rows, or 8M with CAIRN_BENCH_LARGE=1; 4 row groups per
// million rows) with arrow-go's pqarrow, from the file directly and
// through merkle's VerifiedReader (a fresh one per pass, without and with
// read-ahead), for an uncompressed file (the worst case for verification:
// decoding PLAIN numbers costs little more than a copy) and a Snappy one.
func BenchmarkParquetRead(b *testing.B) {
	rows := 1_000_000
	if large() {
		rows = 8_000_000
	}
	r := rand.New(rand.NewPCG(1, 2))
	data := make([]benchRow, rows)
	for i := range data {
		data[i] = benchRow{ID: int64(i), Name: "n" + strconv.Itoa(r.IntN(1_000_000)), Score: r.Float64(), Count: r.Int32N(1000)}
	}
	codecs := []struct {
		name string
		opt  parquet.WriterOption
	}{{"uncompressed", parquet.Compression(&parquet.Uncompressed)}, {"snappy", parquet.Compression(&parquet.Snappy)}}
	dir := b.TempDir()
	for _, codec := range codecs {
		if err := parquet.WriteFile(filepath.Join(dir, codec.name+".parquet"), data, parquet.MaxRowsPerRowGroup(250_000), codec.opt); err != nil {
			b.Fatal(err)
		}
	}
	// Drop the rows before measuring, so that the garbage collector does
	// not scan millions of strings a reader would not hold.
	data = nil
	runtime.GC()
	for _, codec := range codecs {
		b.Run(codec.name, func(b *testing.B) {
			benchParquetRead(b, filepath.Join(dir, codec.name+".parquet"), rows)
		})
	}
}

func benchParquetRead(b *testing.B, path string, rows int) {
	warm(b, []string{path})
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	e, err := merkle.HashObject(context.Background(), f, fi.Size(), "data.parquet", merkle.Options{})
	if err != nil {
		b.Fatal(err)
	}
	if e.Plan != merkle.PlanParquet {
		b.Fatalf("planned %s: %s", e.Plan, e.Warning)
	}
	// open returns the reader for one pass: a fresh VerifiedReader each
	// time, so no pass is served from the previous pass's cache.
	read := func(b *testing.B, open func() io.ReaderAt) {
		b.SetBytes(e.Size)
		b.ReportAllocs()
		start := cpuTime()
		defer func() {
			// CPU time per pass (all goroutines, GC included): what a
			// busy machine disturbs least.
			b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
		}()
		for b.Loop() {
			pf, err := file.NewParquetReader(io.NewSectionReader(open(), 0, e.Size))
			if err != nil {
				b.Fatal(err)
			}
			fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 64 << 10}, memory.DefaultAllocator)
			if err != nil {
				b.Fatal(err)
			}
			rgs := make([]int, pf.NumRowGroups())
			for i := range rgs {
				rgs[i] = i
			}
			tbl, err := fr.ReadRowGroups(context.Background(), []int{0, 2}, rgs)
			if err != nil {
				b.Fatal(err)
			}
			if tbl.NumRows() != int64(rows) {
				b.Fatalf("%d rows", tbl.NumRows())
			}
			tbl.Release()
			pf.Close()
		}
	}
	verified := func(opts merkle.ReaderOptions) func() io.ReaderAt {
		return func() io.ReaderAt {
			v, err := merkle.NewVerifiedReader(context.Background(), f, e, opts)
			if err != nil {
				b.Fatal(err)
			}
			return v
		}
	}
	b.Run("unverified", func(b *testing.B) { read(b, func() io.ReaderAt { return f }) })
	// verified uses the default options, which read ahead: the helper
	// core hashes the next leaves of a column while this one decodes.
	b.Run("verified", func(b *testing.B) { read(b, verified(merkle.ReaderOptions{})) })
	b.Run("verified-noreadahead", func(b *testing.B) { read(b, verified(merkle.ReaderOptions{ReadAhead: -1})) })
	// With 1 MiB parts a column chunk spans several leaves, which one
	// ReadAt verifies in parallel.
	e1, err := merkle.HashObject(context.Background(), f, fi.Size(), "data.parquet", merkle.Options{Params: merkle.Params{PartSize: 1 << 20}})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("verified-1MiB-parts", func(b *testing.B) {
		read(b, func() io.ReaderAt {
			v, err := merkle.NewVerifiedReader(context.Background(), f, e1, merkle.ReaderOptions{ReadAhead: -1})
			if err != nil {
				b.Fatal(err)
			}
			return v
		})
	})
}

// BenchmarkBuildRSS builds trees over directories of two sizes (64 MiB and
// 256 MiB, or 1 GiB and 8 GiB with CAIRN_BENCH_LARGE=1), each in a fresh
// process, and reports that process's peak RSS: it must stay flat as the
// data grows. The child reads VmHWM from /proc/self/status: getrusage's
// ru_maxrss survives execve on Linux, so in a child of a large test
// process it would report the parent's footprint.
func BenchmarkBuildRSS(b *testing.B) {
	sizes := []int64{64 << 20, 256 << 20}
	if large() {
		sizes = []int64{1 << 30, 8 << 30}
	}
	const fileSize = 64 << 20
	for _, size := range sizes {
		b.Run(fmt.Sprintf("%dMiB", size>>20), func(b *testing.B) {
			dir := b.TempDir()
			var paths []string
			for i := range size / fileSize {
				p := filepath.Join(dir, fmt.Sprintf("part-%04d.bin", i))
				writeFile(b, p, fileSize, uint64(i))
				paths = append(paths, p)
			}
			warm(b, paths)
			b.SetBytes(size)
			var rss int64
			for b.Loop() {
				cmd := exec.Command(os.Args[0], "-test.run=^TestRSSChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), "CAIRN_RSS_CHILD="+dir)
				out, err := cmd.CombinedOutput()
				if err != nil {
					b.Fatalf("child: %v\n%s", err, out)
				}
				_, after, ok := strings.Cut(string(out), "maxrss_kib=")
				if !ok {
					b.Fatalf("child printed no maxrss:\n%s", out)
				}
				kib, err := strconv.ParseInt(strings.Fields(after)[0], 10, 64)
				if err != nil {
					b.Fatal(err)
				}
				rss = max(rss, kib)
			}
			b.ReportMetric(float64(rss)/1024, "peakRSS-MiB")
		})
	}
}

// TestRSSChild is the child process of BenchmarkBuildRSS; it does nothing
// unless CAIRN_RSS_CHILD names a directory.
func TestRSSChild(t *testing.T) {
	dir := os.Getenv("CAIRN_RSS_CHILD")
	if dir == "" {
		t.Skip("only run by BenchmarkBuildRSS")
	}
	st, err := local.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	d, err := merkle.Build(context.Background(), st, "", merkle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	var hwm int64
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			hwm, _ = strconv.ParseInt(strings.Fields(v)[0], 10, 64)
		}
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	fmt.Printf("root=%s bytes=%d maxrss_kib=%d getrusage_maxrss_kib=%d\n", d.Root, d.Bytes, hwm, ru.Maxrss)
}
