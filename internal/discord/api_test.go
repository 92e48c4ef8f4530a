package discord

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// guildsHandler serves count guilds with ids 1001, 1002, … in ascending
// order, honouring limit and after as Discord does.
func guildsHandler(count int) func(w http.ResponseWriter, r *http.Request, n int) {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		limit, err := strconv.Atoi(r.URL.Query().Get("limit"))
		if err != nil {
			limit = 200
		}
		after, _ := strconv.Atoi(r.URL.Query().Get("after"))

		var items []string
		for i := range count {
			id := 1001 + i
			if id <= after || len(items) == limit {
				continue
			}
			items = append(items, fmt.Sprintf(`{"id":"%d","name":"g%d","icon":null,"owner":false,"permissions":"104324673","features":[]}`, id, id))
		}
		writeJSON(w, http.StatusOK, "["+strings.Join(items, ",")+"]")
	}
}

func TestGuildsPaging(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		count     int
		wantAfter []string
	}{
		{"450 guilds", 450, []string{"", "1200", "1400"}},
		{"200 guilds", 200, []string{"", "1200"}},
		{"no guilds", 0, []string{""}},
		{"one guild", 1, []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, guildsHandler(tt.count))

			raws, guilds, err := api.client(nil).Guilds(context.Background(), "tok")
			if err != nil {
				t.Fatal(err)
			}
			if len(raws) != tt.count {
				t.Errorf("got %d raw guilds, want %d", len(raws), tt.count)
			}
			if len(guilds) != tt.count {
				t.Errorf("got %d guilds, want %d", len(guilds), tt.count)
			}

			var after []string
			for _, r := range api.recorded() {
				if r.Path != "/api/v10/users/@me/guilds" {
					t.Errorf("path = %q", r.Path)
				}
				q := parseQuery(t, r.RawQuery)
				if q.Get("limit") != "200" {
					t.Errorf("limit = %q, want 200", q.Get("limit"))
				}
				after = append(after, q.Get("after"))
			}
			if !reflect.DeepEqual(after, tt.wantAfter) {
				t.Errorf("after values = %q, want %q", after, tt.wantAfter)
			}
		})
	}
}

func TestGuildsDecodes(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, guildsHandler(3))

	_, guilds, err := api.client(nil).Guilds(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	want := Guild{ID: "1003", Name: "g1003", Permissions: "104324673", Features: []string{}}
	if !reflect.DeepEqual(guilds[2], want) {
		t.Errorf("guilds[2] = %+v, want %+v", guilds[2], want)
	}
}

func TestGuildsRawBytesPreserved(t *testing.T) {
	t.Parallel()
	first := `{"id": "1", "name": "<Tom & Jerry>", "owner": true, "permissions": "8",  "x_new_field": {"a": [1, 2.50]}}`
	second := `{"id":"2","name":"caf\u00e9 \"quoted\"","owner":false,"permissions":"0"}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, "[\n  "+first+" ,\n  "+second+"\n]")
	})

	raws, guilds, err := api.client(nil).Guilds(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if len(raws) != 2 {
		t.Fatalf("got %d guilds, want 2", len(raws))
	}
	if string(raws[0]) != first {
		t.Errorf("raws[0] = %s, want %s", raws[0], first)
	}
	if string(raws[1]) != second {
		t.Errorf("raws[1] = %s, want %s", raws[1], second)
	}
	if guilds[0].Name != "<Tom & Jerry>" {
		t.Errorf("guilds[0].Name = %q", guilds[0].Name)
	}
}

func TestGuildsUnauthorized(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusUnauthorized, `{"message": "401: Unauthorized", "code": 0}`)
	})

	_, _, err := api.client(nil).Guilds(context.Background(), "tok")
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("error %v does not match ErrUnauthorized", err)
	}
	if n := len(api.recorded()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}

func TestCurrentUserOneRequest(t *testing.T) {
	t.Parallel()
	body := `{"id":"80351110224678912","username":"nelly","global_name":"<Nelly & co>","discriminator":"0","flags":17592186044416,"future_field":[true]}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, body)
	})

	raw, user, err := api.client(nil).CurrentUser(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != body {
		t.Errorf("raw = %s, want %s", raw, body)
	}
	if user.ID != "80351110224678912" {
		t.Errorf("ID = %q", user.ID)
	}
	if user.GlobalName == nil || *user.GlobalName != "<Nelly & co>" {
		t.Errorf("GlobalName = %v", user.GlobalName)
	}
	if user.Flags != 1<<44 {
		t.Errorf("Flags = %d, want %d", user.Flags, int64(1)<<44)
	}

	got := api.recorded()
	if len(got) != 1 {
		t.Fatalf("server got %d requests, want 1", len(got))
	}
	if got[0].Method != http.MethodGet || got[0].Path != "/api/v10/users/@me" {
		t.Errorf("request = %s %s, want GET /api/v10/users/@me", got[0].Method, got[0].Path)
	}
}

func TestCurrentUserInvalidJSON(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, `<html>`)
	})

	_, _, err := api.client(nil).CurrentUser(context.Background(), "tok")
	if err == nil || !strings.HasPrefix(err.Error(), "GET /users/@me: decoding response") {
		t.Errorf("error = %v, want a decoding error naming the path", err)
	}
}

func TestCurrentAuthorization(t *testing.T) {
	t.Parallel()
	body := `{"application":{"id":"159799960412356608","name":"AIRHORN SOLUTIONS","icon":null},"scopes":["guilds.join","identify"],"expires":"2021-01-23T02:33:17.017000+00:00","user":{"id":"268473310986240001","username":"discord","discriminator":"0","global_name":null}}`
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, http.StatusOK, body)
	})

	raw, auth, err := api.client(nil).CurrentAuthorization(context.Background(), "tok")
	if err != nil {
		t.Fatal(err)
	}
	if string(raw) != body {
		t.Errorf("raw = %s, want %s", raw, body)
	}
	if auth.Application.Name != "AIRHORN SOLUTIONS" {
		t.Errorf("Application.Name = %q", auth.Application.Name)
	}
	if !reflect.DeepEqual(auth.Scopes, []string{"guilds.join", "identify"}) {
		t.Errorf("Scopes = %q", auth.Scopes)
	}
	wantExpires := time.Date(2021, 1, 23, 2, 33, 17, 17000000, time.UTC)
	if !auth.Expires.Equal(wantExpires) {
		t.Errorf("Expires = %v, want %v", auth.Expires, wantExpires)
	}
	if auth.User == nil || auth.User.ID != "268473310986240001" {
		t.Errorf("User = %+v", auth.User)
	}
	if got := api.recorded(); len(got) != 1 || got[0].Path != "/api/v10/oauth2/@me" {
		t.Errorf("requests = %+v, want one GET /api/v10/oauth2/@me", got)
	}
}

func TestPaginateWithoutLimitStopsOnEmpty(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, guildsHandler(5))

	var pages [][]json.RawMessage
	err := api.client(nil).Paginate(context.Background(), "/users/@me/guilds?with_counts=true", nil, "tok", func(items []json.RawMessage) error {
		pages = append(pages, items)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || len(pages[0]) != 5 {
		t.Errorf("pages = %d, want one page of 5", len(pages))
	}

	got := api.recorded()
	if len(got) != 2 {
		t.Fatalf("server got %d requests, want 2", len(got))
	}
	second := parseQuery(t, got[1].RawQuery)
	if second.Get("after") != "1005" {
		t.Errorf("second after = %q, want 1005", second.Get("after"))
	}
	if second.Get("with_counts") != "true" {
		t.Errorf("second with_counts = %q, want true", second.Get("with_counts"))
	}
}

func TestPaginateNewestFirstUsesLargestID(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 0 {
			writeJSON(w, http.StatusOK, `[{"id":"30"},{"id":"20"}]`)
			return
		}
		writeJSON(w, http.StatusOK, `[]`)
	})

	err := api.client(nil).Paginate(context.Background(), "/list", nil, "tok", func([]json.RawMessage) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if after := parseQuery(t, api.recorded()[1].RawQuery).Get("after"); after != "30" {
		t.Errorf("after = %q, want 30", after)
	}
}

func TestPaginateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		path     string
		body     string
		wantText string
	}{
		{"before", "/list?before=5", `[]`, `"before"`},
		{"bad limit", "/list?limit=x", `[]`, `invalid limit "x"`},
		{"zero limit", "/list?limit=0", `[]`, `invalid limit "0"`},
		{"not an array", "/list", `{"id":"1"}`, "not an array"},
		{"missing id", "/list", `[{"name":"a"}]`, `missing "id"`},
		{"same page again", "/list?limit=1&after=7", `[{"id":"7"}]`, "same id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			api := newFakeAPI(t, func(w http.ResponseWriter, r *http.Request, n int) {
				writeJSON(w, http.StatusOK, tt.body)
			})
			err := api.client(nil).Paginate(context.Background(), tt.path, nil, "tok", func([]json.RawMessage) error { return nil })
			if err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error = %v, want one containing %q", err, tt.wantText)
			}
		})
	}
}

func TestPaginateCallbackErrorStops(t *testing.T) {
	t.Parallel()
	api := newFakeAPI(t, guildsHandler(450))
	stop := errors.New("stop")

	err := api.client(nil).Paginate(context.Background(), "/users/@me/guilds", nil, "tok", func([]json.RawMessage) error { return stop })
	if !errors.Is(err, stop) {
		t.Errorf("error = %v, want the callback's", err)
	}
	if n := len(api.recorded()); n != 1 {
		t.Errorf("server got %d requests, want 1", n)
	}
}
