// Command testsummary reads the output of `go test -json` on standard input
// and prints what a plain `go test` run prints: the package result lines,
// build errors and the output of failed tests. The output of tests that
// passed is dropped. At the end of the input it prints the skipped tests with
// their skip messages, the failed tests and packages, the wall time and, as
// the last line, "N passed, N failed, N skipped".
//
// Tests and subtests are counted alike. A test that never reported a result
// (its package timed out, panicked or was killed) counts as failed.
//
// The exit status is 1 when a test or package failed, 2 for invalid flags
// and 0 otherwise. With -strict, a skipped test or a run in which no test ran
// also gives 1: CI uses it so that no test is skipped unnoticed.
//
// Usage:
//
//	go test -json ./... | testsummary [-strict]
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, time.Now))
}

// run parses the flags, streams stdin to stdout and returns the exit status.
// The wall time runs from the call to the end of stdin, which is close to the
// run time of a `go test` started in the same pipeline.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, now func() time.Time) int {
	flags := flag.NewFlagSet("testsummary", flag.ContinueOnError)
	flags.SetOutput(stderr)
	strict := flags.Bool("strict", false, "fail the run if any test was skipped or no test ran")
	if err := flags.Parse(args); err != nil {
		return 2
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "testsummary: unexpected argument %q; it reads go test -json output on stdin\n", flags.Arg(0))
		return 2
	}

	start := now()
	s := newSummary(stdout)
	readErr := s.readFrom(stdin)
	s.finish()
	s.report(now().Sub(start), *strict)
	if readErr != nil {
		fmt.Fprintf(stderr, "testsummary: reading go test output: %v\n", readErr)
		return 1
	}
	if !s.ok(*strict) {
		return 1
	}
	return 0
}
