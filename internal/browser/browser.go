// Package browser opens URLs in the user's web browser.
package browser

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"

	pkgbrowser "github.com/pkg/browser"
)

// Opener opens a URL in a web browser.
type Opener interface {
	// Open starts opening url. It returns an error when no browser could be
	// started; the browser's own later failures are not reported.
	Open(url string) error
}

// New returns the system opener.
//
// If the BROWSER environment variable, looked up with getenv, is set and not
// empty, Open runs that command with the URL as its last argument, as gh and
// git do. A value that contains a path separator and names an existing file is
// run as it is, because paths with spaces are common on WSL. Any other value is
// split into words as a POSIX shell would, honouring quotes and backslashes but
// expanding nothing. Open starts the command and returns without waiting for
// it, because some browsers run until their window closes.
//
// Otherwise Open calls github.com/pkg/browser.OpenURL, which runs the
// platform's launcher (xdg-open on Linux, open on macOS) and waits for it, so
// callers run Open in a goroutine. New points that package's Stdout and Stderr
// variables at stderr, because by default the launcher's output would go to
// stdout and corrupt a script's output. Those variables are global to the
// process, so New is meant to be called once.
//
// Either way the started command's stdout and stderr both go to stderr. When
// stderr is not an *os.File, the output is copied to it from another
// goroutine, so it must then be safe for concurrent use.
func New(getenv func(string) (string, bool), stderr io.Writer) Opener {
	if value, ok := getenv("BROWSER"); ok && strings.TrimSpace(value) != "" {
		return &commandOpener{browser: value, stderr: stderr}
	}

	pkgbrowser.Stdout = stderr
	pkgbrowser.Stderr = stderr

	return systemOpener{}
}

// systemOpener opens URLs with github.com/pkg/browser.
type systemOpener struct{}

// Open runs the platform's launcher and waits for it.
func (systemOpener) Open(url string) error {
	if err := pkgbrowser.OpenURL(url); err != nil {
		return fmt.Errorf("opening the browser failed: %w; open the URL yourself, or set BROWSER to a browser command", err)
	}

	return nil
}

// commandOpener runs the command that BROWSER names.
type commandOpener struct {
	browser string
	stderr  io.Writer
}

// Open starts the BROWSER command with url as its last argument and reaps it
// in the background.
func (o *commandOpener) Open(url string) error {
	argv, err := o.argv()
	if err != nil {
		return err
	}

	cmd := exec.Command(argv[0], append(argv[1:], url)...)
	cmd.Stdout = o.stderr
	cmd.Stderr = o.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting the BROWSER command %q failed: %w; fix or unset BROWSER, or open the URL yourself", argv[0], err)
	}

	// Wait releases the process and finishes copying its output. Its exit
	// status is not reported: a launcher may exit non-zero after handing the
	// URL to a running browser.
	go func() { _ = cmd.Wait() }()

	return nil
}

// argv returns the command line that BROWSER names.
func (o *commandOpener) argv() ([]string, error) {
	if strings.ContainsAny(o.browser, `/\`) {
		if info, err := os.Stat(o.browser); err == nil && !info.IsDir() {
			return []string{o.browser}, nil
		}
	}

	words, err := splitWords(o.browser)
	if err != nil {
		return nil, fmt.Errorf("invalid BROWSER value %q: %w", o.browser, err)
	}
	if len(words) == 0 {
		return nil, fmt.Errorf("invalid BROWSER value %q: it names no command", o.browser)
	}

	return words, nil
}

// Errors from splitWords.
var (
	errUnterminatedSingle = errors.New("unterminated single quote")
	errUnterminatedDouble = errors.New("unterminated double quote")
	errTrailingBackslash  = errors.New("backslash at the end")
)

// splitWords splits s into words as a POSIX shell splits a simple command.
// Blanks separate words, and single quotes keep everything literally. Inside
// double quotes a backslash escapes only $, `, ", \ and a newline. Outside
// quotes a backslash escapes any character, and backslash-newline joins
// lines. Nothing is expanded, so $VAR, ~ and globs stay as written.
func splitWords(s string) ([]string, error) {
	var (
		words   []string
		current strings.Builder
		inWord  bool
	)
	runes := []rune(s)

	for i := 0; i < len(runes); i++ {
		r := runes[i]
		switch {
		case r == ' ' || r == '\t' || r == '\n':
			if inWord {
				words = append(words, current.String())
				current.Reset()
				inWord = false
			}

		case r == '\\':
			if i+1 == len(runes) {
				return nil, errTrailingBackslash
			}
			i++
			if runes[i] != '\n' {
				current.WriteRune(runes[i])
				inWord = true
			}

		case r == '\'':
			end := indexRune(runes, i+1, '\'')
			if end < 0 {
				return nil, errUnterminatedSingle
			}
			current.WriteString(string(runes[i+1 : end]))
			i = end
			inWord = true

		case r == '"':
			end, err := readDoubleQuoted(runes, i+1, &current)
			if err != nil {
				return nil, err
			}
			i = end
			inWord = true

		default:
			current.WriteRune(r)
			inWord = true
		}
	}

	if inWord {
		words = append(words, current.String())
	}

	return words, nil
}

// readDoubleQuoted appends the text of a double-quoted string that starts at
// runes[start] to b and returns the index of the closing quote.
func readDoubleQuoted(runes []rune, start int, b *strings.Builder) (int, error) {
	for i := start; i < len(runes); i++ {
		switch r := runes[i]; r {
		case '"':
			return i, nil

		case '\\':
			if i+1 == len(runes) {
				return 0, errUnterminatedDouble
			}
			switch next := runes[i+1]; next {
			case '$', '`', '"', '\\':
				b.WriteRune(next)
				i++
			case '\n':
				i++
			default:
				b.WriteRune(r)
			}

		default:
			b.WriteRune(r)
		}
	}

	return 0, errUnterminatedDouble
}

// indexRune returns the index of the first r in runes at or after start, or -1.
func indexRune(runes []rune, start int, r rune) int {
	for i := start; i < len(runes); i++ {
		if runes[i] == r {
			return i
		}
	}

	return -1
}
