package cairn_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/parquet-go/parquet-go"
	"github.com/zeebo/blake3"
	"golang.org/x/sync/errgroup"

	"github.com/cairnml/cairn/internal/s3test"
	"github.com/cairnml/cairn/merkle"
	"github.com/cairnml/cairn/store"
	"github.com/cairnml/cairn/store/s3"
)

// s3BenchObjects returns the sizes of the objects BenchmarkBuildS3
// uploads: 32 of 8 MiB (256 MiB), or with CAIRN_BENCH_LARGE=1 2 GiB, a
// quarter each in objects of 512 MiB, 64 MiB, 8 MiB and 1 MiB.
func s3BenchObjects() []int64 {
	if !large() {
		sizes := make([]int64, 32)
		for i := range sizes {
			sizes[i] = 8 << 20
		}
		return sizes
	}
	var sizes []int64
	for _, size := range []int64{512 << 20, 64 << 20, 8 << 20, 1 << 20} {
		for range (512 << 20) / size {
			sizes = append(sizes, size)
		}
	}
	return sizes
}

// BenchmarkBuildS3 builds the dataset tree over objects in MinIO (run it
// under scripts/with-minio.sh; it skips without AWS_ENDPOINT_URL), against
// plain parallel GETs of the same objects:
//
//   - get/streams=N reads every object whole, N at a time, with
//     minio-go's raw GetObject into a reused buffer, for N = GOMAXPROCS,
//     the number of workers Build uses on S3, and twice that;
//   - get+blake3/streams=N does the same and hashes each object with plain
//     BLAKE3 as it arrives: the least any build must do;
//   - cairn is merkle.Build with default options. Its root must equal the
//     root built over the same bytes in a local directory.
//
// Besides GB/cpu-s (this process only), each reports minio-cpu-ms/op, the
// CPU time MinIO spent (from /proc, when scripts/with-minio.sh gives its
// pid): on this 2-core machine client and server share the CPUs, so
// wall-clock throughput follows their sum.
func BenchmarkBuildS3(b *testing.B) {
	s3test.Require(b)
	sizes := s3BenchObjects()
	dir := b.TempDir()
	st := s3test.NewStore(b, "bench")
	var keys []string
	var total int64
	for i, size := range sizes {
		key := fmt.Sprintf("%dMiB/obj-%04d.bin", size>>20, i)
		path := filepath.Join(dir, filepath.FromSlash(key))
		writeFile(b, path, size, uint64(i))
		putFile(b, st, key, path, size)
		keys = append(keys, key)
		total += size
	}
	want := buildDir(b, dir)
	os.RemoveAll(dir) // the sub-benchmarks read the S3 copy
	benchS3(b, st, keys, sizes, want.Root)
}

// benchS3 runs BenchmarkBuildS3's sub-benchmarks over the objects keys,
// of sizes, in st, whose dataset root is want.
func benchS3(b *testing.B, st *s3.Store, keys []string, sizes []int64, want merkle.Hash) {
	ctx := context.Background()
	var total int64
	for _, size := range sizes {
		total += size
	}
	client := benchMinioClient(b)
	workers := runtime.GOMAXPROCS(0)
	if n := st.ReadHint().Concurrency; n > 0 {
		workers = n
	}
	streams := []int{runtime.GOMAXPROCS(0)}
	for _, n := range []int{workers, 2 * workers} {
		if n != streams[len(streams)-1] {
			streams = append(streams, n)
		}
	}
	run := func(b *testing.B, f func(*testing.B)) {
		b.SetBytes(total)
		b.ReportAllocs()
		cpu, srv := cpuTime(), minioCPU()
		for b.Loop() {
			f(b)
		}
		reportCPU(b, cpuTime()-cpu, total)
		if srv >= 0 {
			b.ReportMetric(float64((minioCPU()-srv).Milliseconds())/float64(b.N), "minio-cpu-ms/op")
		}
	}
	for _, n := range streams {
		b.Run("get/streams="+strconv.Itoa(n), func(b *testing.B) {
			run(b, func(b *testing.B) { getAll(b, client, st.Bucket(), st.Prefix(), keys, sizes, n, false) })
		})
	}
	b.Run("get+blake3/streams="+strconv.Itoa(workers), func(b *testing.B) {
		run(b, func(b *testing.B) { getAll(b, client, st.Bucket(), st.Prefix(), keys, sizes, workers, true) })
	})
	b.Run("cairn", func(b *testing.B) {
		run(b, func(b *testing.B) {
			d, err := merkle.Build(ctx, st, "", merkle.Options{})
			if err != nil {
				b.Fatal(err)
			}
			if d.Root != want || d.Bytes != total {
				b.Fatalf("S3 build: root %s over %d bytes, want %s over %d (local)", d.Root, d.Bytes, want, total)
			}
		})
	})
}

// BenchmarkS3ParquetBuild is BenchmarkBuildS3 over Parquet files: 16 of
// about 16 MiB (256 MiB), each of 4 row groups of 4 columns (random,
// uncompressed: chunks of about 1 MiB), so that every file is planned from
// its footer and streamed leaf by leaf. It shows what requests besides
// the leaves (probes of the magic and footer, tiny leaves) cost.
func BenchmarkS3ParquetBuild(b *testing.B) {
	s3test.Require(b)
	dir := b.TempDir()
	st := s3test.NewStore(b, "bench")
	var keys []string
	var sizes []int64
	for i := range 16 {
		key := fmt.Sprintf("pq/part-%04d.parquet", i)
		path := filepath.Join(dir, filepath.FromSlash(key))
		size := writeParquet(b, path, uint64(i))
		putFile(b, st, key, path, size)
		keys = append(keys, key)
		sizes = append(sizes, size)
	}
	want := buildDir(b, dir)
	for _, e := range want.Entries {
		if e.Plan != merkle.PlanParquet {
			b.Fatalf("%s: planned %s, want Parquet (%s)", e.Path, e.Plan, e.Warning)
		}
	}
	os.RemoveAll(dir)
	benchS3(b, st, keys, sizes, want.Root)
}

// writeParquet writes a Parquet file of about 16 MiB of random bytes to
// path and returns its size.
func writeParquet(b *testing.B, path string, seed uint64) int64 {
	b.Helper()
	type row struct {
		A, B, C, D []byte
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	cfg, err := parquet.NewWriterConfig(parquet.MaxRowsPerRowGroup(1024))
	if err != nil {
		b.Fatal(err)
	}
	w := parquet.NewGenericWriter[row](f, cfg)
	r := rand.New(rand.NewPCG(seed, 2))
	rows := make([]row, 1024)
	for range 4 {
		for i := range rows {
			rows[i] = row{randBlob(r), randBlob(r), randBlob(r), randBlob(r)}
		}
		if _, err := w.Write(rows); err != nil {
			b.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			b.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return fi.Size()
}

func randBlob(r *rand.Rand) []byte {
	p := make([]byte, 1024)
	for i := 0; i < len(p); i += 8 {
		binary.LittleEndian.PutUint64(p[i:], r.Uint64())
	}
	return p
}

func putFile(b *testing.B, st store.Store, key, path string, size int64) {
	b.Helper()
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := st.Put(context.Background(), key, f, size); err != nil {
		b.Fatal(err)
	}
}

// benchMinioClient returns a minio-go client for the server and
// credentials that scripts/with-minio.sh exports.
func benchMinioClient(b *testing.B) minio.Core {
	u, err := url.Parse(os.Getenv("AWS_ENDPOINT_URL"))
	if err != nil {
		b.Fatal(err)
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:  credentials.NewEnvAWS(),
		Secure: u.Scheme == "https",
		Region: os.Getenv("AWS_REGION"),
	})
	if err != nil {
		b.Fatal(err)
	}
	return minio.Core{Client: c}
}

// getAll reads every object whole, n at a time, and checks its length;
// with hash, it also hashes each object with BLAKE3.
func getAll(b *testing.B, c minio.Core, bucket, prefix string, keys []string, sizes []int64, n int, hash bool) {
	g, ctx := errgroup.WithContext(context.Background())
	g.SetLimit(n)
	bufs := make(chan []byte, n)
	for range n {
		bufs <- make([]byte, 1<<20)
	}
	for i, key := range keys {
		g.Go(func() error {
			buf := <-bufs
			defer func() { bufs <- buf }()
			body, _, _, err := c.GetObject(ctx, bucket, prefix+key, minio.GetObjectOptions{})
			if err != nil {
				return err
			}
			defer body.Close()
			var h *blake3.Hasher
			if hash {
				h = blake3.New()
			}
			var got int64
			for {
				m, err := body.Read(buf)
				got += int64(m)
				if h != nil {
					h.Write(buf[:m])
				}
				if err == io.EOF {
					break
				}
				if err != nil {
					return err
				}
			}
			if got != sizes[i] {
				return fmt.Errorf("GET %s: %d bytes, want %d", key, got, sizes[i])
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		b.Fatal(err)
	}
}

// minioCPU returns the user+system CPU time of the MinIO server whose pid
// is in CAIRN_MINIO_PID, or -1 if it cannot be read.
func minioCPU() time.Duration {
	pid := os.Getenv("CAIRN_MINIO_PID")
	if pid == "" {
		return -1
	}
	data, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return -1
	}
	// Fields after the parenthesized command name: state is the first,
	// utime and stime the 12th and 13th, in clock ticks (USER_HZ, 100).
	s := string(data)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return -1
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return time.Duration(utime+stime) * (time.Second / 100)
}
