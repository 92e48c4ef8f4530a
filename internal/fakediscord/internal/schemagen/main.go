// Command schemagen extracts the response schemas that the fakediscord tests
// validate against from Discord's OpenAPI description, together with every
// schema they reference, into one self-contained JSON Schema 2020-12 file.
//
// Usage:
//
//	go run ./internal/schemagen -spec PATH/TO/openapi.json -out testdata/discord-schemas.json
//
// OpenAPI 3.1 schemas are JSON Schema 2020-12, so the only rewrite is moving
// "#/components/schemas/X" references to "#/$defs/X".
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
)

// roots lists the schemas the emulator's responses are checked against.
var roots = []string{
	"UserPIIResponse",
	"MyGuildResponse",
	"OAuth2GetAuthorizationResponse",
	"ErrorResponse",
	"RatelimitedResponse",
}

const (
	specRefPrefix   = "#/components/schemas/"
	outputRefPrefix = "#/$defs/"
	sourceNote      = "Extracted from openapi.json of github.com/discord/discord-api-spec " +
		"(MIT, see discord-api-spec-LICENSE) by internal/schemagen; do not edit by hand."
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "schemagen:", err)
		os.Exit(1)
	}
}

func run(args []string, stderr io.Writer) error {
	flags := flag.NewFlagSet("schemagen", flag.ContinueOnError)
	flags.SetOutput(stderr)
	specPath := flags.String("spec", "", "path of Discord's openapi.json (required)")
	outPath := flags.String("out", "testdata/discord-schemas.json", "path of the JSON Schema file to write")
	commit := flags.String("commit", "", "discord-api-spec commit the spec was taken from, recorded in the output")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if *specPath == "" {
		return errors.New("missing -spec: give the path of Discord's openapi.json")
	}

	raw, err := os.ReadFile(*specPath)
	if err != nil {
		return fmt.Errorf("read spec: %w", err)
	}
	var spec struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("parse spec %s: %w", *specPath, err)
	}

	defs, err := closure(spec.Components.Schemas, roots)
	if err != nil {
		return err
	}

	comment := sourceNote
	if *commit != "" {
		comment += " Commit " + *commit + "."
	}
	out := map[string]any{
		"$schema":  "https://json-schema.org/draft/2020-12/schema",
		"$comment": comment,
		"$defs":    defs,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encode schemas: %w", err)
	}
	if err := os.WriteFile(*outPath, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", *outPath, err)
	}
	return nil
}

// closure returns the named schemas and every schema they reference,
// transitively, with references rewritten to point into "$defs".
func closure(all map[string]json.RawMessage, names []string) (map[string]any, error) {
	defs := map[string]any{}
	queue := append([]string(nil), names...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := defs[name]; done {
			continue
		}

		raw, ok := all[name]
		if !ok {
			return nil, fmt.Errorf("schema %q not found in components.schemas", name)
		}
		var schema any
		if err := json.Unmarshal(raw, &schema); err != nil {
			return nil, fmt.Errorf("parse schema %q: %w", name, err)
		}

		var refs []string
		if err := rewriteRefs(schema, &refs); err != nil {
			return nil, fmt.Errorf("schema %q: %w", name, err)
		}
		sort.Strings(refs)
		defs[name] = schema
		queue = append(queue, refs...)
	}
	return defs, nil
}

// rewriteRefs changes every "$ref" in v in place and collects the names it refers to.
func rewriteRefs(v any, refs *[]string) error {
	switch node := v.(type) {
	case map[string]any:
		for key, child := range node {
			if key != "$ref" {
				if err := rewriteRefs(child, refs); err != nil {
					return err
				}
				continue
			}
			ref, ok := child.(string)
			if !ok || !strings.HasPrefix(ref, specRefPrefix) {
				return fmt.Errorf("unsupported $ref %v: only %s… is handled", child, specRefPrefix)
			}
			name := strings.TrimPrefix(ref, specRefPrefix)
			node[key] = outputRefPrefix + name
			*refs = append(*refs, name)
		}
	case []any:
		for _, child := range node {
			if err := rewriteRefs(child, refs); err != nil {
				return err
			}
		}
	}
	return nil
}
