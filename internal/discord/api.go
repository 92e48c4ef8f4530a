package discord

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// User is the part of Discord's user object that dauth reads. The raw JSON
// returned next to it keeps every field.
type User struct {
	ID            string  `json:"id"` // snowflake, sent as a string
	Username      string  `json:"username"`
	GlobalName    *string `json:"global_name"` // display name; nil when unset
	Discriminator string  `json:"discriminator"`
	Avatar        *string `json:"avatar"`
	Bot           bool    `json:"bot"`
	Flags         int64   `json:"flags"`
	PublicFlags   int64   `json:"public_flags"`
	Locale        string  `json:"locale"`
	MFAEnabled    bool    `json:"mfa_enabled"`
	Email         *string `json:"email"`    // only with the "email" scope
	Verified      *bool   `json:"verified"` // only with the "email" scope
}

// Guild is one element of GET /users/@me/guilds (a partial guild object).
type Guild struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Icon        *string  `json:"icon"`
	Owner       bool     `json:"owner"`
	Permissions string   `json:"permissions"` // bit set as a decimal string
	Features    []string `json:"features"`
	// The approximate counts are present only with with_counts=true.
	ApproximateMemberCount   *int `json:"approximate_member_count"`
	ApproximatePresenceCount *int `json:"approximate_presence_count"`
}

// Authorization is the current OAuth2 authorization, GET /oauth2/@me.
type Authorization struct {
	Scopes      []string  `json:"scopes"`
	Expires     time.Time `json:"expires"`
	Application struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"application"`
	User *User `json:"user"` // present only with the "identify" scope
}

// guildPageLimit is the largest page GET /users/@me/guilds serves.
const guildPageLimit = 200

// CurrentUser fetches GET /users/@me with one request. It returns the body
// exactly as received and its decoded form.
func (c *Client) CurrentUser(ctx context.Context, token string) (json.RawMessage, *User, error) {
	var user User
	raw, err := c.getObject(ctx, "/users/@me", token, &user)
	if err != nil {
		return nil, nil, err
	}
	return raw, &user, nil
}

// CurrentAuthorization fetches GET /oauth2/@me with one request. It returns
// the body exactly as received and its decoded form.
func (c *Client) CurrentAuthorization(ctx context.Context, token string) (json.RawMessage, *Authorization, error) {
	var auth Authorization
	raw, err := c.getObject(ctx, "/oauth2/@me", token, &auth)
	if err != nil {
		return nil, nil, err
	}
	return raw, &auth, nil
}

func (c *Client) getObject(ctx context.Context, path, token string, v any) (json.RawMessage, error) {
	resp, err := c.Do(ctx, http.MethodGet, path, nil, nil, token)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(resp.Body, v); err != nil {
		return nil, fmt.Errorf("GET %s: decoding response: %w", path, err)
	}
	return json.RawMessage(resp.Body), nil
}

// Guilds fetches every guild the user is in from GET /users/@me/guilds, 200
// per request, paging with after=<last id> until a page has fewer than 200
// elements. Each raw element is byte-for-byte what Discord sent.
func (c *Client) Guilds(ctx context.Context, token string) ([]json.RawMessage, []Guild, error) {
	var raws []json.RawMessage
	var guilds []Guild

	query := url.Values{"limit": {strconv.Itoa(guildPageLimit)}}
	err := c.Paginate(ctx, "/users/@me/guilds", query, token, func(items []json.RawMessage) error {
		for i, item := range items {
			var g Guild
			if err := json.Unmarshal(item, &g); err != nil {
				return fmt.Errorf("GET /users/@me/guilds: decoding guild %d: %w", len(guilds)+i, err)
			}
			guilds = append(guilds, g)
		}
		raws = append(raws, items...)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return raws, guilds, nil
}

// Paginate GETs a list endpoint page by page and calls fn with each non-empty
// page's elements, exactly as received.
//
// Each next request sets after=<largest id on the page>: the id of the last
// element when Discord lists in ascending order, and still correct for
// endpoints that list newest first. When an id is not a decimal snowflake,
// the last element's id is used. Paging stops at an empty page, or at a page
// shorter than the query's "limit" when that is set. A "before" parameter is
// rejected, because it pages backwards. An error from fn stops paging and is
// returned as is.
func (c *Client) Paginate(ctx context.Context, path string, query url.Values, token string, fn func(items []json.RawMessage) error) error {
	path, rawQuery, _ := strings.Cut(path, "?")
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return fmt.Errorf("invalid query in API path %q: %w", path, err)
	}
	for name, values := range query {
		q[name] = append(q[name], values...)
	}
	if q.Has("before") {
		return fmt.Errorf("cannot paginate GET %s with \"before\" in the query: pages are fetched forward with \"after\"", path)
	}

	limit := 0
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return fmt.Errorf("cannot paginate GET %s: invalid limit %q: want a positive integer", path, s)
		}
		limit = n
	}

	for {
		resp, err := c.Do(ctx, http.MethodGet, path, q, nil, token)
		if err != nil {
			return err
		}
		items, err := SplitArray(resp.Body)
		if err != nil {
			return fmt.Errorf("GET %s: %w", path, err)
		}
		if len(items) == 0 {
			return nil
		}
		if err := fn(items); err != nil {
			return err
		}
		if limit > 0 && len(items) < limit {
			return nil
		}

		next, err := nextAfter(items)
		if err != nil {
			return fmt.Errorf("cannot paginate GET %s: %w", path, err)
		}
		// A server that ignores "after" would return the same page forever.
		if next == q.Get("after") {
			return fmt.Errorf("cannot paginate GET %s: the page after id %s ended at the same id", path, next)
		}
		q.Set("after", next)
	}
}

// nextAfter returns the "after" value for the page following items.
func nextAfter(items []json.RawMessage) (string, error) {
	var largest uint64
	largestID, lastID := "", ""
	numeric := true

	for i, item := range items {
		id, err := elementID(item)
		if err != nil {
			return "", fmt.Errorf("element %d: %w", i, err)
		}
		lastID = id

		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			numeric = false
			continue
		}
		if largestID == "" || n > largest {
			largest, largestID = n, id
		}
	}

	if numeric {
		return largestID, nil
	}
	return lastID, nil
}

// elementID returns a list element's "id" as text. Discord sends snowflakes
// as strings; a JSON number is accepted too.
func elementID(item json.RawMessage) (string, error) {
	var element struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(item, &element); err != nil {
		return "", fmt.Errorf("not an object with an \"id\": %w", err)
	}

	var id string
	switch {
	case len(element.ID) == 0 || string(element.ID) == "null":
		return "", fmt.Errorf("missing \"id\"")
	case element.ID[0] == '"':
		if err := json.Unmarshal(element.ID, &id); err != nil {
			return "", fmt.Errorf("invalid \"id\": %w", err)
		}
	default:
		id = string(element.ID)
	}
	if id == "" {
		return "", fmt.Errorf("empty \"id\"")
	}
	return id, nil
}
