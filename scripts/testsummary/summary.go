package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// event is one line of `go test -json` output. `go doc cmd/test2json`
// documents the fields.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string

	// ImportPath names the package of build-output and build-fail events.
	ImportPath string
	// FailedBuild is set on a package's fail event when its build failed.
	FailedBuild string
}

// testID identifies a test or subtest within a run.
type testID struct {
	pkg  string
	test string
}

// skippedTest is a skipped test with the lines it logged, including the
// message given to t.Skip.
type skippedTest struct {
	id    testID
	lines []string
}

// failedPackage is a package that failed while none of its tests did: a
// build error, or a TestMain or init that exited non-zero.
type failedPackage struct {
	pkg    string
	reason string
}

// summary accumulates the results of one `go test -json` run and copies the
// lines a plain `go test` would print to out as they arrive.
type summary struct {
	out io.Writer

	// running contains the output of each test that has started and has no
	// result yet; order lists those tests in the order they started.
	running map[testID][]string
	order   []testID

	passed, failed, skipped int
	failedPerPackage        map[string]int

	skips          []skippedTest
	failures       []testID
	failedPackages []failedPackage
}

func newSummary(out io.Writer) *summary {
	return &summary{
		out:              out,
		running:          make(map[testID][]string),
		failedPerPackage: make(map[string]int),
	}
}

// readFrom handles every line of r. A line that is not a JSON event is copied
// to the output unchanged, so no text that go test writes is lost.
func (s *summary) readFrom(r io.Reader) error {
	reader := bufio.NewReader(r)
	for {
		line, err := reader.ReadString('\n')
		if line != "" {
			s.handleLine(line)
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (s *summary) handleLine(line string) {
	var e event
	if !strings.HasPrefix(line, "{") || json.Unmarshal([]byte(line), &e) != nil || e.Action == "" {
		s.print(strings.TrimSuffix(line, "\n") + "\n")
		return
	}
	if e.Test != "" {
		s.handleTestEvent(e)
		return
	}
	s.handlePackageEvent(e)
}

func (s *summary) handleTestEvent(e event) {
	id := testID{pkg: e.Package, test: e.Test}
	switch e.Action {
	case "run":
		s.start(id)
	case "output":
		if isFraming(e.Output) {
			return
		}
		s.start(id)
		s.running[id] = append(s.running[id], e.Output)
	case "pass":
		s.passed++
		s.end(id)
	case "skip":
		s.skipped++
		s.skips = append(s.skips, skippedTest{id: id, lines: skipMessage(s.running[id])})
		s.end(id)
	case "fail":
		s.recordFailure(id, s.running[id])
		s.end(id)
	}
}

func (s *summary) handlePackageEvent(e event) {
	switch e.Action {
	case "build-output":
		s.print(e.Output)
	case "output":
		// A plain `go test` prints only "ok" for a package that passed; the
		// test binary's own "PASS" line is noise there.
		if e.Output != "PASS\n" {
			s.print(e.Output)
		}
	case "pass", "skip":
		s.dropRunning(e.Package)
	case "fail":
		s.failUnfinished(e.Package, "did not finish: its package failed before the test reported a result")
		if s.failedPerPackage[e.Package] == 0 {
			reason := "failed outside any test (TestMain, init or the test binary itself)"
			if e.FailedBuild != "" {
				reason = "build failed"
			}
			s.failedPackages = append(s.failedPackages, failedPackage{pkg: e.Package, reason: reason})
		}
	}
}

// finish fails the tests that were still running when the input ended, which
// happens when go test itself was killed.
func (s *summary) finish() {
	for _, id := range append([]testID(nil), s.order...) {
		if _, ok := s.running[id]; ok {
			s.failUnfinished(id.pkg, "did not finish: the go test output ended before the test reported a result")
		}
	}
}

func (s *summary) start(id testID) {
	if _, ok := s.running[id]; ok {
		return
	}
	s.running[id] = nil
	s.order = append(s.order, id)
}

func (s *summary) end(id testID) {
	delete(s.running, id)
}

func (s *summary) recordFailure(id testID, lines []string) {
	s.failed++
	s.failedPerPackage[id.pkg]++
	s.failures = append(s.failures, id)
	for _, line := range lines {
		s.print(line)
	}
}

func (s *summary) failUnfinished(pkg, note string) {
	for _, id := range s.order {
		lines, ok := s.running[id]
		if !ok || id.pkg != pkg {
			continue
		}
		header := fmt.Sprintf("--- FAIL: %s (%s)\n", id.test, note)
		s.recordFailure(id, append([]string{header}, lines...))
		s.end(id)
	}
}

// dropRunning removes the tests of a package that finished while they had
// no result of their own, so that a passed package never counts as a failure.
func (s *summary) dropRunning(pkg string) {
	for _, id := range s.order {
		if id.pkg == pkg {
			s.end(id)
		}
	}
}

func (s *summary) print(text string) {
	io.WriteString(s.out, text)
}

// isFraming reports whether a test output line is one of the lines the
// testing package writes to mark progress in verbose mode, which a plain
// `go test` run does not show.
func isFraming(line string) bool {
	for _, prefix := range []string{"=== RUN ", "=== PAUSE ", "=== CONT ", "=== NAME "} {
		if strings.HasPrefix(line, prefix) {
			return true
		}
	}
	return false
}

// skipMessage returns the logged lines of a skipped test without the
// "--- SKIP" line and the indentation, so the t.Skip message reads on its own.
func skipMessage(lines []string) []string {
	var message []string
	for _, line := range lines {
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "--- SKIP: ") {
			continue
		}
		message = append(message, trimmed)
	}
	return message
}

// ok reports whether the run passed. With strict, a skipped test or a run
// with no passed test fails it as well.
func (s *summary) ok(strict bool) bool {
	if s.failed > 0 || len(s.failedPackages) > 0 {
		return false
	}
	if strict && (s.skipped > 0 || s.passed == 0) {
		return false
	}
	return true
}

// report prints the lists of skipped and failed tests, the wall time and the
// count line, which stays the last line of the output.
func (s *summary) report(elapsed time.Duration, strict bool) {
	fmt.Fprintln(s.out)
	if len(s.skips) > 0 {
		fmt.Fprintf(s.out, "Skipped tests (%d):\n", len(s.skips))
		for _, skip := range s.skips {
			fmt.Fprintf(s.out, "    %s %s\n", skip.id.pkg, skip.id.test)
			for _, line := range skip.lines {
				fmt.Fprintf(s.out, "        %s\n", line)
			}
		}
	}
	if len(s.failures) > 0 {
		fmt.Fprintf(s.out, "Failed tests (%d):\n", len(s.failures))
		for _, id := range s.failures {
			fmt.Fprintf(s.out, "    %s %s\n", id.pkg, id.test)
		}
	}
	if len(s.failedPackages) > 0 {
		fmt.Fprintf(s.out, "Failed packages (%d):\n", len(s.failedPackages))
		for _, p := range s.failedPackages {
			fmt.Fprintf(s.out, "    %s: %s\n", p.pkg, p.reason)
		}
	}
	if strict && s.skipped > 0 {
		fmt.Fprintf(s.out, "FAIL: %d skipped; with -strict (CI) every test must run\n", s.skipped)
	}
	if strict && s.passed == 0 && s.failed == 0 {
		fmt.Fprintln(s.out, "FAIL: no test ran; with -strict (CI) at least one test must pass")
	}
	fmt.Fprintf(s.out, "go test wall time: %s\n", elapsed.Round(100*time.Millisecond))
	fmt.Fprintf(s.out, "%d passed, %d failed, %d skipped\n", s.passed, s.failed, s.skipped)
}
