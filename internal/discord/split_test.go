package discord

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestSplitArray(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty", `[]`, nil},
		{"empty with spaces", " [ \n ] ", nil},
		{"numbers", `[1,-2.5e3,0]`, []string{"1", "-2.5e3", "0"}},
		{"spaces kept inside", "[ {\"a\" : 1} ,\t[ 2 ]\r\n]", []string{`{"a" : 1}`, "[ 2 ]"}},
		{"brackets in strings", `["],[", "{\"}", "\\"]`, []string{`"],["`, `"{\"}"`, `"\\"`}},
		{"nested", `[{"a":[{"b":[]}]},null,true]`, []string{`{"a":[{"b":[]}]}`, "null", "true"}},
		{"html characters", `[{"name":"<&>"}]`, []string{`{"name":"<&>"}`}},
		{"escapes kept", `["\u00e9\/"]`, []string{`"\u00e9\/"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items, err := SplitArray([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, item := range items {
				got = append(got, string(item))
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("SplitArray(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSplitArrayRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		in       string
		wantText string
	}{
		{"empty input", ``, "not valid JSON"},
		{"object", `{"a":[1]}`, "object, not an array"},
		{"null", `null`, "null, not an array"},
		{"string", `"[1]"`, "string, not an array"},
		{"truncated", `[1,2`, "not valid JSON"},
		{"trailing data", `[1] [2]`, "not valid JSON"},
		{"trailing comma", `[1,]`, "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := SplitArray([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("SplitArray(%q) error = %v, want one containing %q", tt.in, err, tt.wantText)
			}
		})
	}
}

// BenchmarkSplitArray splits a page of 200 partial guild objects, the size
// of a full GET /users/@me/guilds page.
func BenchmarkSplitArray(b *testing.B) {
	var items []string
	for i := range 200 {
		items = append(items, fmt.Sprintf(`{"id":"%d","name":"Guild <%d> & friends","icon":"a_1269e74af4df7417b13759eae50c83dc","banner":null,"owner":false,"permissions":"2248473465835073","features":["COMMUNITY","NEWS","ANIMATED_ICON"]}`, 80351110224678912+i, i))
	}
	page := []byte("[" + strings.Join(items, ",") + "]")

	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := SplitArray(page)
		if err != nil || len(got) != 200 {
			b.Fatalf("SplitArray = %d items, %v", len(got), err)
		}
	}
}
