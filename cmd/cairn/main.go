// Command cairn keeps training data honest: it hashes datasets into BLAKE3
// Merkle trees, records and verifies signed lineage manifests, checks
// batches for poisoning, and finds sensitive fields.
//
// The command-line contract (commands, flags, exit codes, JSON shapes) is
// documented in the README. Exit codes: 0 success, 1 the data failed the
// check, 2 usage or input error.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"slices"
	"strings"
	"syscall"

	"github.com/cairnml/cairn/lineage"
)

// Exit codes shared by every command.
const (
	exitOK    = 0 // success, verified, pass
	exitCheck = 1 // the data failed the check
	exitUsage = 2 // usage or input error
)

// command is one cairn subcommand. Commands register themselves from init
// functions in their own files, so adding one touches no other file.
type command struct {
	name    string
	usage   string // one line: arguments and flags
	summary string // one line: what it does
	// run executes the command with the arguments after its name. It
	// returns an exit code; errors it returns are printed and mapped to
	// exitUsage unless they are *exitError.
	run func(ctx context.Context, env *env, args []string) error
}

// env is what a command may touch of the outside world, so tests can run
// commands in-process.
type env struct {
	stdout, stderr io.Writer
	stderrIsTTY    bool
}

// exitError carries a specific exit code with its message.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// failed returns an error that exits with exitCheck: the data failed.
func failed(format string, args ...any) error {
	return &exitError{code: exitCheck, err: fmt.Errorf(format, args...)}
}

// errSilentFailure exits with exitCheck without printing anything more:
// the command already reported the failure on stdout.
var errSilentFailure = &exitError{code: exitCheck, err: errors.New("")}

var commands []command

func register(c command) { commands = append(commands, c) }

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

func main() {
	// Ctrl-C or SIGTERM (what a job scheduler sends) cancels the command,
	// which then stops its work and leaves no partial output; a second
	// signal ends the process at once.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		stop()
	}()
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stderrIsTTY: isTerminal(os.Stderr)}
	os.Exit(run(ctx, e, os.Args[1:]))
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			c, ok := lookup(args[1])
			if !ok {
				fmt.Fprintf(e.stderr, "cairn: unknown command %q (run 'cairn --help' for the list)\n", args[1])
				return exitUsage
			}
			fmt.Fprintf(e.stdout, "usage: cairn %s %s\n\n%s\n\n", c.name, c.usage, c.summary)
			// The command's flag set prints its flags for -h, to stderr:
			// here they are what was asked for.
			he := *e
			he.stderr = e.stdout
			c.run(ctx, &he, []string{"-h"})
			return exitOK
		}
		usage(e.stdout)
		return exitOK
	case "-version", "--version", "version":
		fmt.Fprintf(e.stdout, "cairn %s\n", version())
		return exitOK
	}
	c, ok := lookup(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "cairn: unknown command %q (run 'cairn --help' for the list)\n", args[0])
		return exitUsage
	}
	err := c.run(ctx, e, args[1:])
	if err == nil {
		return exitOK
	}
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	code := exitUsage
	var ee *exitError
	if errors.As(err, &ee) {
		code = ee.code
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintf(e.stderr, "cairn %s: interrupted\n", c.name)
		return code
	}
	// One line, whatever the error holds: names from the data (paths,
	// keys) may carry line breaks or other control characters.
	if msg := lineage.EscapeControls(err.Error()); msg != "" {
		fmt.Fprintf(e.stderr, "cairn %s: %s\n", c.name, msg)
	}
	return code
}

func lookup(name string) (command, bool) {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		return command{}, false
	}
	return commands[i], true
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "cairn %s: training-data integrity\n\nusage: cairn COMMAND [arguments]\n\ncommands:\n", version())
	cs := slices.Clone(commands)
	slices.SortFunc(cs, func(a, b command) int { return strings.Compare(a.name, b.name) })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-13s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'cairn help COMMAND' for a command's flags.\nExit codes: 0 success, 1 the data failed the check, 2 usage or input error.\n")
}

// newFlagSet returns a flag set for a command that reports usage errors
// instead of exiting.
func newFlagSet(e *env, c string) *flag.FlagSet {
	fs := flag.NewFlagSet("cairn "+c, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parseFlags parses args allowing flags after positional arguments (as in
// "cairn verify m.json --mode sample") and returns the positional ones.
// -h prints the flags; a bad flag is an error of one line, which run
// prints, not followed by the whole flag listing.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	out := fs.Output()
	fs.SetOutput(io.Discard)
	defer fs.SetOutput(out)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
				fs.SetOutput(out)
				fs.PrintDefaults()
				return nil, err
			}
			return nil, fmt.Errorf("%w (run 'cairn help %s' for the flags)", err, strings.TrimPrefix(fs.Name(), "cairn "))
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
