package ingest

import (
	"testing"

	"github.com/cairnml/cairn/store/mem"
)

func TestSchemaChanges(t *testing.T) {
	s := mem.New()
	put(t, s, "ref.csv", []byte("a,b,c\n1,x,5\n2,y,6\n3,z,7\n4,w,8\n"))
	put(t, s, "bat.csv", []byte("a,b,d\nx,,1\ny,,2\nz,q,3\nw,,4\n"))
	ref := profileOf(t, s, "ref.csv", ProfileOptions{})
	bat := profileOf(t, s, "bat.csv", ProfileOptions{})
	got := map[string]string{}
	for _, c := range SchemaChanges(ref, bat, 0.1) {
		got[c.Column] = c.Change
	}
	want := map[string]string{"a": "kind", "b": "null_rate", "c": "missing", "d": "new"}
	if len(got) != len(want) {
		t.Fatalf("changes %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
