package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/cairnml/cairn/merkle"
)

func TestDemo(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), nil, &out); err != nil {
		t.Fatal(err)
	}
	want := `train/part-0.parquet (3 row groups, verified)
  id       int64     1000 rows    0 nulls
  text     utf8      1000 rows    0 nulls
  label    utf8      1000 rows    0 nulls
  rating   float64   1000 rows  143 nulls
train/part-1.parquet (3 row groups, verified)
  id       int64     1000 rows    0 nulls
  text     utf8      1000 rows    0 nulls
  label    utf8      1000 rows    0 nulls
  rating   float64   1000 rows  143 nulls
`
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestTamperRefused(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"-tamper"}, &out)
	var me *merkle.MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want a *merkle.MismatchError", err)
	}
	if me.Path != "train/part-0.parquet" || me.RowGroup != 1 || me.Column != "text" || me.Kind != merkle.KindChunk {
		t.Errorf("mismatch names %s row group %d column %q (%s), want train/part-0.parquet row group 1 column \"text\" (chunk)",
			me.Path, me.RowGroup, me.Column, me.Kind)
	}
	if !errors.Is(err, merkle.ErrMismatch) {
		t.Errorf("err does not wrap merkle.ErrMismatch: %v", err)
	}
	// Nothing of the tampered file was reported as read.
	if strings.Contains(out.String(), "train/part-0.parquet") {
		t.Errorf("the tampered file was reported as read:\n%s", out.String())
	}
}

// TestTamperOtherColumns reads only the columns whose bytes were not
// changed: the verified reader checks just the leaves it serves, so the
// read succeeds.
func TestTamperOtherColumns(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-tamper", "-columns", "id,label"}, &out); err != nil {
		t.Fatal(err)
	}
	want := `train/part-0.parquet (3 row groups, verified)
  id       int64     1000 rows    0 nulls
  label    utf8      1000 rows    0 nulls
train/part-1.parquet (3 row groups, verified)
  id       int64     1000 rows    0 nulls
  label    utf8      1000 rows    0 nulls
`
	if got := out.String(); got != want {
		t.Errorf("output:\n%s\nwant:\n%s", got, want)
	}
}

func TestBadArgs(t *testing.T) {
	for _, args := range [][]string{
		{"-data", t.TempDir()},             // no manifest
		{"-columns", "nope"},               // unknown column
		{"-data", "x", "-manifest", "y/m"}, // missing files
	} {
		if err := run(context.Background(), args, new(bytes.Buffer)); err == nil || errors.Is(err, merkle.ErrMismatch) {
			t.Errorf("run %q: err = %v, want a usage or input error", args, err)
		}
	}
}
