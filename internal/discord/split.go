package discord

import (
	"encoding/json"
	"errors"
	"fmt"
)

// SplitArray splits a JSON array into its elements without re-encoding them,
// so each element keeps the exact bytes that Discord sent. Re-encoding with
// encoding/json would escape <, > and & as \u003c, \u003e and \u0026.
// Whitespace between elements is dropped. The elements share memory with b.
func SplitArray(b []byte) ([]json.RawMessage, error) {
	if !json.Valid(b) {
		return nil, errors.New("response is not valid JSON")
	}

	i := skipSpace(b, 0)
	if b[i] != '[' {
		return nil, fmt.Errorf("response is a JSON %s, not an array", jsonKind(b[i]))
	}

	// json.Valid has checked the syntax, so the scan only needs to track
	// strings and nesting to find the commas between top-level elements.
	var items []json.RawMessage
	depth := 0
	inString := false
	start := skipSpace(b, i+1)
	for j := start; j < len(b); j++ {
		c := b[j]
		if inString {
			switch c {
			case '\\':
				j++
			case '"':
				inString = false
			}
			continue
		}

		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
		case '}':
			depth--
		case ']':
			if depth == 0 {
				if j > start {
					items = append(items, json.RawMessage(trimSpaceRight(b[start:j])))
				}
				return items, nil
			}
			depth--
		case ',':
			if depth == 0 {
				items = append(items, json.RawMessage(trimSpaceRight(b[start:j])))
				start = skipSpace(b, j+1)
				j = start - 1
			}
		}
	}
	return nil, errors.New("response is not a complete JSON array")
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isJSONSpace(b[i]) {
		i++
	}
	return i
}

func trimSpaceRight(b []byte) []byte {
	for len(b) > 0 && isJSONSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

func isJSONSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r'
}

func jsonKind(first byte) string {
	switch first {
	case '{':
		return "object"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}
