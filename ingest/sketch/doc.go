// Package sketch holds the small, deterministic, mergeable summaries cairn's
// profiles are made of: a KLL quantile sketch with a seeded coin, a
// HyperLogLog distinct counter, Misra-Gries frequent items, exact value
// counts for small domains, MinHash signatures and a bottom-k (priority)
// sample.
//
// They are written here rather than taken from apache/datasketches-go
// v0.2.0 because cairn needs the same bytes for the same input and seed:
// that version's KLL compacts with the global math/rand source (its
// deterministic switch is unexported), and its sketches serialise to
// formats tied to the Java library. Every type here is plain data with
// exported fields, serialises with encoding/json to the same bytes for the
// same history, and has a Merge whose result is described on the type:
// exact (identical to streaming the concatenation) for HLL, ExactCounts,
// BottomK and MinHash; within the stated error bound for KLL and
// Misra-Gries (and exact for both while the input fits their capacity).
package sketch

// SplitMix64 is the splitmix64 finaliser: a fast bijective 64-bit mixer.
func SplitMix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}
