package cmd

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode"

	"github.com/itchyny/gojq"
	"github.com/spf13/pflag"
)

// jsonOutput is the --json and --jq flag pair of commands that print JSON.
type jsonOutput struct {
	JSON bool
	JQ   string

	code *gojq.Code
}

func (o *jsonOutput) addFlags(flags *pflag.FlagSet, jsonHelp string) {
	flags.BoolVar(&o.JSON, "json", false, jsonHelp)
	flags.StringVar(&o.JQ, "jq", "", "filter the JSON output with a jq `expression` (implies --json)")
}

// addRefreshFlag adds --refresh to a command that calls the API.
func addRefreshFlag(flags *pflag.FlagSet, refresh *bool) {
	flags.BoolVar(refresh, "refresh", false, "refresh the access token first, even if it is still fresh")
}

// validate compiles the --jq expression, so a bad one is a usage error that
// is reported before any request is sent.
func (o *jsonOutput) validate() error {
	if o.JQ == "" {
		return nil
	}
	o.JSON = true
	query, err := gojq.Parse(o.JQ)
	if err != nil {
		return usageErr(fmt.Errorf("invalid --jq expression %q: %w", o.JQ, err))
	}
	code, err := gojq.Compile(query)
	if err != nil {
		return usageErr(fmt.Errorf("invalid --jq expression %q: %w", o.JQ, err))
	}
	o.code = code
	return nil
}

// write prints raw, the JSON exactly as received, or the results of the
// --jq expression applied to it, each printed as jq prints it: indented by
// two spaces, one value per line.
func (o *jsonOutput) write(out io.Writer, raw []byte) error {
	if o.code == nil {
		if _, err := out.Write(raw); err != nil {
			return err
		}
		_, err := io.WriteString(out, "\n")
		return err
	}

	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var input any
	if err := decoder.Decode(&input); err != nil {
		return fmt.Errorf("decode JSON for --jq: %w", err)
	}
	iter := o.code.Run(input)
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			var halt *gojq.HaltError
			if errors.As(err, &halt) && halt.Value() == nil {
				return nil
			}
			return fmt.Errorf("--jq %q: %w", o.JQ, err)
		}
		encoded, err := gojq.Marshal(v)
		if err != nil {
			return fmt.Errorf("--jq %q: %w", o.JQ, err)
		}
		var indented bytes.Buffer
		if err := json.Indent(&indented, encoded, "", "  "); err != nil {
			return fmt.Errorf("--jq %q: %w", o.JQ, err)
		}
		indented.WriteByte('\n')
		if _, err := out.Write(indented.Bytes()); err != nil {
			return err
		}
	}
}

// NOTE: tabwriter aligns by rune count, so a cell with wide characters
// (CJK, emoji) pushes the columns after it out of line.

// table is an aligned text table. Its cells go through a tabwriter into a
// buffer, and Flush writes the lines without the spaces that pad an empty
// last column.
type table struct {
	*tabwriter.Writer
	buf bytes.Buffer
	out io.Writer
}

func newTable(out io.Writer) *table {
	t := &table{out: out}
	t.Writer = tabwriter.NewWriter(&t.buf, 0, 4, 2, ' ', 0)
	return t
}

// Flush aligns the rows written so far and writes them to the output.
func (t *table) Flush() error {
	if err := t.Writer.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(t.buf.String(), "\n") {
		end := ""
		if strings.HasSuffix(line, "\n") {
			line, end = line[:len(line)-1], "\n"
		}
		if _, err := io.WriteString(t.out, strings.TrimRight(line, " ")+end); err != nil {
			return err
		}
	}
	t.buf.Reset()
	return nil
}

// joinArray builds a JSON array from raw elements without re-encoding them.
func joinArray(items []json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(item)
	}
	b.WriteByte(']')
	return b.Bytes()
}

// printable replaces control characters, so a name chosen by another
// Discord user cannot move the cursor or recolour the terminal.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '?'
		}
		return r
	}, s)
}

// marshalNoEscape encodes v as compact JSON without escaping <, > and &, so
// the raw Discord objects it embeds keep their text as Discord sent it.
func marshalNoEscape(v any) ([]byte, error) {
	var b bytes.Buffer
	encoder := json.NewEncoder(&b)
	encoder.SetEscapeHTML(false)
	if err := encoder.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
