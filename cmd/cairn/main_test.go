package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// runCLI runs cairn in-process and returns its exit code, stdout and stderr.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), &env{stdout: &stdout, stderr: &stderr}, args)
	return code, stdout.String(), stderr.String()
}

func TestFrame(t *testing.T) {
	cases := []struct {
		args       []string
		code       int
		stdout     string // substring expected on stdout
		stderrLine string // substring expected on stderr
	}{
		{[]string{"--version"}, exitOK, "cairn ", ""},
		{[]string{"--help"}, exitOK, "usage: cairn COMMAND", ""},
		{[]string{"help"}, exitOK, "Exit codes: 0 success, 1 the data failed the check, 2 usage or input error", ""},
		{nil, exitUsage, "", "usage: cairn COMMAND"},
		{[]string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
	}
	for _, c := range cases {
		code, stdout, stderr := runCLI(t, c.args...)
		if code != c.code {
			t.Errorf("cairn %q exited %d, want %d (stderr %q)", c.args, code, c.code, stderr)
		}
		if !strings.Contains(stdout, c.stdout) {
			t.Errorf("cairn %q stdout = %q, want it to contain %q", c.args, stdout, c.stdout)
		}
		if !strings.Contains(stderr, c.stderrLine) {
			t.Errorf("cairn %q stderr = %q, want it to contain %q", c.args, stderr, c.stderrLine)
		}
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	_, stdout, _ := runCLI(t, "--help")
	for _, c := range commands {
		if !strings.Contains(stdout, "  "+c.name+" ") {
			t.Errorf("--help does not list %q", c.name)
		}
		code, out, _ := runCLI(t, "help", c.name)
		if code != exitOK || !strings.Contains(out, "usage: cairn "+c.name) {
			t.Errorf("cairn help %s = %d, %q", c.name, code, out)
		}
		// Every flag the command defines is listed, and in its usage line.
		_, _, flags := runCLI(t, c.name, "--help")
		if !strings.Contains(flags, "\n  -") {
			t.Errorf("cairn %s --help lists no flags: %q", c.name, flags)
		}
		for _, line := range strings.Split(flags, "\n") {
			f, ok := strings.CutPrefix(line, "  -")
			if !ok {
				continue
			}
			name, _, _ := strings.Cut(f, " ")
			if !strings.Contains(out, "\n  -"+name) {
				t.Errorf("cairn help %s does not list -%s", c.name, name)
			}
		}
	}
	if code, _, stderr := runCLI(t, "help", "frobnicate"); code != exitUsage || !strings.Contains(stderr, `unknown command "frobnicate"`) {
		t.Errorf("cairn help frobnicate = %d, %q", code, stderr)
	}
}

func TestParseFlagsInterleaved(t *testing.T) {
	e := &env{stdout: &bytes.Buffer{}, stderr: &bytes.Buffer{}}
	fs := newFlagSet(e, "x")
	mode := fs.String("mode", "full", "")
	pos, err := parseFlags(fs, []string{"m.json", "--mode", "sample", "extra"})
	if err != nil {
		t.Fatal(err)
	}
	if *mode != "sample" || len(pos) != 2 || pos[0] != "m.json" || pos[1] != "extra" {
		t.Fatalf("mode=%q pos=%q", *mode, pos)
	}
}
