package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
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
		{[]string{"verify", "--bogus"}, exitUsage, "", "cairn verify: flag provided but not defined: -bogus (run 'cairn help verify' for the flags)\n"},
		{[]string{"build", "--workers", "x"}, exitUsage, "", "cairn build: invalid value \"x\" for flag -workers"},
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

// TestMain lets a test run this binary as the cairn command: with
// CAIRN_TEST_MAIN=1 it runs main with the arguments after "--".
func TestMain(m *testing.M) {
	if os.Getenv("CAIRN_TEST_MAIN") == "1" {
		i := slices.Index(os.Args, "--")
		os.Args = append([]string{"cairn"}, os.Args[i+1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

// TestSIGTERMCancels sends SIGTERM to a build that is waiting on an S3
// endpoint that accepts connections and never answers: it must stop
// promptly, say it was interrupted, exit 2 and leave no files behind.
func TestSIGTERMCancels(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	connected := make(chan struct{}, 1)
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
			select {
			case connected <- struct{}{}:
			default:
			}
		}
	}()
	out := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "--", "build", "s3://bucket/data", "-o", filepath.Join(out, "m.json"))
	cmd.Env = append(os.Environ(), "CAIRN_TEST_MAIN=1",
		"AWS_ENDPOINT_URL=http://"+ln.Addr().String(), "AWS_ENDPOINT_URL_S3=",
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=testtesttest", "AWS_REGION=us-east-1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-connected:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("build never connected to the endpoint; stderr %q", stderr.String())
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("build still running 10s after SIGTERM; stderr %q", stderr.String())
	}
	if code := cmd.ProcessState.ExitCode(); code != exitUsage {
		t.Errorf("exit code %d after SIGTERM, want %d; stderr %q", code, exitUsage, stderr.String())
	}
	if got := stderr.String(); got != "cairn build: interrupted\n" {
		t.Errorf("stderr = %q, want %q", got, "cairn build: interrupted\n")
	}
	if entries, _ := os.ReadDir(out); len(entries) != 0 {
		t.Errorf("output directory holds %d entries after the interrupted build, want none", len(entries))
	}
	t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
}

// TestFlagErrorIsOneLine: a bad flag gets one line on stderr, without the
// flag listing, and -h still lists the flags.
func TestFlagErrorIsOneLine(t *testing.T) {
	_, _, stderr := runCLI(t, "diff", "a.json", "b.json", "--no-such-flag")
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "cairn diff: flag provided but not defined: -no-such-flag") {
		t.Errorf("stderr = %q, want one line naming the flag", stderr)
	}
	code, _, stderr := runCLI(t, "diff", "-h")
	if code != exitOK || !strings.Contains(stderr, "Usage of cairn diff:") || !strings.Contains(stderr, "-exit-code") {
		t.Errorf("diff -h: exit %d, stderr %q; want 0 and the flags", code, stderr)
	}
}
