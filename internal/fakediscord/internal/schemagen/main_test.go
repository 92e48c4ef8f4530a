package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClosure(t *testing.T) {
	t.Parallel()
	all := map[string]json.RawMessage{
		"A":      json.RawMessage(`{"properties": {"b": {"$ref": "#/components/schemas/B"}}}`),
		"B":      json.RawMessage(`{"items": [{"$ref": "#/components/schemas/C"}]}`),
		"C":      json.RawMessage(`{"type": "string"}`),
		"Unused": json.RawMessage(`{"type": "integer"}`),
	}
	defs, err := closure(all, []string{"A"})
	if err != nil {
		t.Fatal(err)
	}

	if len(defs) != 3 {
		t.Errorf("closure has %d schemas, want A, B and C", len(defs))
	}
	if _, ok := defs["Unused"]; ok {
		t.Error("closure includes an unreferenced schema")
	}
	raw, _ := json.Marshal(defs["B"])
	if !strings.Contains(string(raw), `"$ref":"#/$defs/C"`) {
		t.Errorf("B = %s, want its $ref rewritten to #/$defs/C", raw)
	}
}

func TestClosureMissingSchema(t *testing.T) {
	t.Parallel()
	all := map[string]json.RawMessage{"A": json.RawMessage(`{"$ref": "#/components/schemas/Gone"}`)}
	if _, err := closure(all, []string{"A"}); err == nil {
		t.Error("closure accepted a reference to a missing schema")
	}
}

func TestClosureExternalRef(t *testing.T) {
	t.Parallel()
	all := map[string]json.RawMessage{"A": json.RawMessage(`{"$ref": "other.json#/X"}`)}
	if _, err := closure(all, []string{"A"}); err == nil {
		t.Error("closure accepted an external reference")
	}
}

func TestRunWritesSchemas(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	spec := `{"components": {"schemas": {
		"UserPIIResponse": {"type": "object"},
		"MyGuildResponse": {"type": "object"},
		"OAuth2GetAuthorizationResponse": {"type": "object"},
		"ErrorResponse": {"allOf": [{"$ref": "#/components/schemas/Error"}]},
		"RatelimitedResponse": {"type": "object"},
		"Error": {"type": "object"}
	}}}`
	specPath := filepath.Join(dir, "openapi.json")
	outPath := filepath.Join(dir, "out.json")
	if err := os.WriteFile(specPath, []byte(spec), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	if err := run([]string{"-spec", specPath, "-out", outPath, "-commit", "abc"}, &stderr); err != nil {
		t.Fatalf("run: %v", err)
	}

	raw, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Schema  string         `json:"$schema"`
		Comment string         `json:"$comment"`
		Defs    map[string]any `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	if out.Schema != "https://json-schema.org/draft/2020-12/schema" {
		t.Errorf("$schema = %q, want the 2020-12 meta-schema", out.Schema)
	}
	if !strings.Contains(out.Comment, "abc") {
		t.Errorf("$comment = %q, want the commit", out.Comment)
	}
	if len(out.Defs) != 6 {
		t.Errorf("$defs has %d schemas, want 6", len(out.Defs))
	}
}

func TestRunMissingSpec(t *testing.T) {
	t.Parallel()
	var stderr strings.Builder
	if err := run(nil, &stderr); err == nil {
		t.Error("run without -spec succeeded")
	}
}
