package ingest_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/cairnml/cairn/ingest"
	"github.com/cairnml/cairn/store/mem"
)

func Example() {
	ctx := context.Background()
	s := mem.New()
	ref := "x,label\n1,a\n2,a\n3,b\n4,b\n5,a\n6,b\n"
	s.Put(ctx, "ref/part-0.csv", strings.NewReader(ref), int64(len(ref)))

	p, _ := ingest.NewProfile(ingest.ProfileOptions{Label: "label", Seed: 1})
	for b, err := range ingest.Read(ctx, s, "ref", ingest.ReadOptions{BatchSize: 4}) {
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s rows %d..%d\n", b.Path, b.Row, b.Row+b.Record.NumRows()-1)
		if err := p.Add(b); err != nil {
			fmt.Println(err)
			return
		}
	}
	x := p.Column("x")
	fmt.Printf("x: n=%d mean=%g std=%.4f; class a: %d rows\n", x.Count, x.Moments.Mean, x.Moments.Std(), p.Class("a").Count)
	// Output:
	// ref/part-0.csv rows 0..3
	// ref/part-0.csv rows 4..5
	// x: n=6 mean=3.5 std=1.7078; class a: 3 rows
}
