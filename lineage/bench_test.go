package lineage_test

import (
	"testing"

	"github.com/cairnml/cairn/lineage"
)

func BenchmarkParseManifest(b *testing.B) {
	data := validManifest(b)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := lineage.ParseManifest(data); err != nil {
			b.Fatal(err)
		}
	}
}
