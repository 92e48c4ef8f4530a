package discord

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// Secret values used by the debug tests. Each must never appear in output.
const (
	secretCode         = "CODE-ab12cd34ef56"
	secretVerifier     = "VERIFIER-dBjftJeZ4CVP-mB92K27uhbUJU1p1r"
	secretClientSecret = "CLIENTSECRET-s3cr3t+/="
	secretAccess       = "ACCESS-6qrZcUqja7812RVdnEKjpzOL4CvHBFG"
	secretRefresh      = "REFRESH-D43f5y0ahjqew82jZ4NViEr2YafMKhue"
	secretToken        = "TOKEN-revoke-me-0123456789"
	secretWebhook      = "WEBHOOKTOKEN-abcdefghijklmnop"
)

var allSecrets = []string{secretCode, secretVerifier, secretClientSecret, secretAccess, secretRefresh, secretToken, secretWebhook}

// stepClock returns a clock that advances 7 ms on every call.
func stepClock() func() time.Time {
	var mu sync.Mutex
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(7 * time.Millisecond)
		return now
	}
}

func assertNoSecrets(t *testing.T, out string) {
	t.Helper()
	for _, s := range allSecrets {
		if strings.Contains(out, s) {
			t.Errorf("debug output contains secret %q:\n%s", s, out)
		}
		if escaped := url.QueryEscape(s); strings.Contains(out, escaped) {
			t.Errorf("debug output contains escaped secret %q:\n%s", escaped, out)
		}
	}
}

func TestDebugMasksSecrets(t *testing.T) {
	t.Parallel()
	formBody := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {secretCode},
		"code_verifier": {secretVerifier},
		"client_secret": {secretClientSecret},
		"refresh_token": {secretRefresh},
		"token":         {secretToken},
		"redirect_uri":  {"http://localhost:3000"},
	}.Encode()
	jsonBody := `{"client_secret":"` + secretClientSecret + `","nested":{"refresh_token":"` + secretRefresh + `"},"list":[{"code":"` + secretCode + `","access_token":"` + secretAccess + `"}],"keep":"visible"}`

	tests := []struct {
		name         string
		method       string
		path         string
		contentType  string
		body         string
		respType     string
		respBody     string
		status       int
		wantInOutput []string
	}{
		{
			name:         "query",
			method:       "GET",
			path:         "/cb?code=" + secretCode + "&state=st4te&access_token=" + secretAccess + "&token=" + secretToken,
			status:       401,
			respType:     "application/json",
			respBody:     `{"message":"401: Unauthorized","code":0}`,
			wantInOutput: []string{"GET http://", "/cb?code=***&state=st4te&access_token=***&token=***: 401 Unauthorized (7 ms)"},
		},
		{
			name:         "form both ways",
			method:       "POST",
			path:         "/api/oauth2/token",
			contentType:  "application/x-www-form-urlencoded",
			body:         formBody,
			status:       400,
			respType:     "application/x-www-form-urlencoded",
			respBody:     "error=invalid_grant&access_token=" + url.QueryEscape(secretAccess) + "&refresh_token=" + url.QueryEscape(secretRefresh),
			wantInOutput: []string{": 400 Bad Request (7 ms)", "grant_type=authorization_code", "code=***", "client_secret=***", "error=invalid_grant&access_token=***&refresh_token=***"},
		},
		{
			name:         "json both ways",
			method:       "POST",
			path:         "/api/v10/x",
			contentType:  "application/json",
			body:         jsonBody,
			status:       403,
			respType:     "application/json; charset=utf-8",
			respBody:     `{"access_token":"` + secretAccess + `","token_type":"Bearer","deep":[{"token":"` + secretToken + `"}],"html":"<&>"}`,
			wantInOutput: []string{": 403 Forbidden (7 ms)", `"keep":"visible"`, `"client_secret":"***"`, `"access_token":"***"`, `"html":"<&>"`},
		},
		{
			name:         "json without content type",
			method:       "POST",
			path:         "/x",
			body:         jsonBody,
			status:       500,
			respBody:     `{"refresh_token":"` + secretRefresh + `"}`,
			wantInOutput: []string{": 500 Internal Server Error", `"refresh_token":"***"`},
		},
		{
			name:         "unparseable bodies dropped",
			method:       "POST",
			path:         "/x",
			contentType:  "text/plain",
			body:         "access_token: " + secretAccess,
			status:       502,
			respType:     "text/html",
			respBody:     "<html>refresh_token=" + secretRefresh + "</html>",
			wantInOutput: []string{": 502 Bad Gateway", "bytes of text/plain omitted", "bytes of text/html omitted"},
		},
		{
			name:         "form without form content type dropped",
			method:       "POST",
			path:         "/x",
			body:         "code=" + secretCode,
			status:       400,
			respType:     "text/plain",
			respBody:     "code=" + secretCode,
			wantInOutput: []string{"omitted: not form-encoded or JSON"},
		},
		{
			name:         "webhook token in path",
			method:       "POST",
			path:         "/api/v10/webhooks/123/" + secretWebhook + "/messages/1",
			status:       404,
			respType:     "application/json",
			respBody:     `{"message":"Unknown Webhook","code":10015}`,
			wantInOutput: []string{"/api/v10/webhooks/123/***/messages/1: 404 Not Found", `"message":"Unknown Webhook"`},
		},
		{
			name:         "long body dropped",
			method:       "POST",
			path:         "/x",
			status:       400,
			respType:     "application/json",
			respBody:     `{"access_token":"` + secretAccess + `","pad":"` + strings.Repeat("x", peekLimit) + `"}`,
			wantInOutput: []string{"too long to mask"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				if tt.respType != "" {
					w.Header().Set("Content-Type", tt.respType)
				} else {
					w.Header()["Content-Type"] = nil
				}
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.respBody)
			}))
			defer srv.Close()

			var out bytes.Buffer
			client := &http.Client{Transport: &DebugTransport{Out: &out, Now: stepClock(), Base: srv.Client().Transport}}
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			req.SetBasicAuth("client-id", secretClientSecret)

			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()

			if string(got) != tt.respBody {
				t.Errorf("caller got body %q, want the full response", got)
			}
			assertNoSecrets(t, out.String())
			for _, want := range tt.wantInOutput {
				if !strings.Contains(out.String(), want) {
					t.Errorf("debug output does not contain %q:\n%s", want, out.String())
				}
			}
		})
	}
}

func TestDebugMasksEchoedSecret(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"code `+r.FormValue("code")+` was used; auth `+r.Header.Get("Authorization")+`"}`)
	}))
	defer srv.Close()

	var out bytes.Buffer
	client := &http.Client{Transport: &DebugTransport{Out: &out, Base: srv.Client().Transport}}
	req, err := http.NewRequest("POST", srv.URL+"/api/oauth2/token", strings.NewReader("code="+secretCode))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Bearer "+secretAccess)

	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	assertNoSecrets(t, out.String())
	if !strings.Contains(out.String(), `"error":"invalid_grant"`) {
		t.Errorf("debug output lacks the error field:\n%s", out.String())
	}
}

func TestDebugSuccessIsOneLine(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, `{"access_token":"`+secretAccess+`"}`)
	}))
	defer srv.Close()

	var out bytes.Buffer
	client := &http.Client{Transport: &DebugTransport{Out: &out, Now: stepClock(), Base: srv.Client().Transport}}
	resp, err := client.Post(srv.URL+"/api/oauth2/token", "application/x-www-form-urlencoded", strings.NewReader("code="+secretCode))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	want := "debug: POST " + srv.URL + "/api/oauth2/token: 200 OK (7 ms)\n"
	if out.String() != want {
		t.Errorf("debug output = %q, want %q", out.String(), want)
	}
}

func TestDebugTransportError(t *testing.T) {
	t.Parallel()
	failure := errors.New("connection refused")
	var out bytes.Buffer
	base := &scriptedTransport{responses: []scriptedResponse{{err: failure}}}
	dt := &DebugTransport{Out: &out, Now: stepClock(), Base: base}
	req := newRequest(t, "POST", "refresh_token="+secretRefresh)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")

	_, err := dt.RoundTrip(req)
	if !errors.Is(err, failure) {
		t.Errorf("error = %v, want %v", err, failure)
	}
	assertNoSecrets(t, out.String())
	for _, want := range []string{"debug: POST http://127.0.0.1:1/api/v10/x: failed after 7 ms: connection refused\n", "request body: refresh_token=***\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("debug output does not contain %q:\n%s", want, out.String())
		}
	}
}

func TestDebugBodyWithoutGetBody(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	base := &scriptedTransport{responses: []scriptedResponse{{status: 400, body: `{}`}}}
	dt := &DebugTransport{Out: &out, Base: base}
	req := newRequest(t, "POST", "")
	req.Body = io.NopCloser(strings.NewReader(`{"token":"` + secretToken + `","a":1}`))
	req.GetBody = nil

	resp, err := dt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if base.bodies[0] != `{"token":"`+secretToken+`","a":1}` {
		t.Errorf("base got body %q, want the original", base.bodies[0])
	}
	assertNoSecrets(t, out.String())
	if !strings.Contains(out.String(), `request body: {"a":1,"token":"***"}`) {
		t.Errorf("debug output lacks the masked request body:\n%s", out.String())
	}
}

// TestDebugOAuth2Exchange drives golang.org/x/oauth2 through NewHTTPClient
// and checks that a failed and a successful token exchange leak nothing.
func TestDebugOAuth2Exchange(t *testing.T) {
	t.Parallel()
	var calls int
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls++
		n := calls
		mu.Unlock()
		if n == 1 {
			writeJSON(w, http.StatusBadRequest, `{"error":"invalid_grant","error_description":"Invalid \"code\" in request."}`)
			return
		}
		writeJSON(w, http.StatusOK, `{"access_token":"`+secretAccess+`","token_type":"Bearer","expires_in":604800,"refresh_token":"`+secretRefresh+`","scope":"identify guilds"}`)
	}))
	defer srv.Close()

	var out bytes.Buffer
	httpClient := NewHTTPClient(HTTPOptions{Debug: &out, Now: stepClock(), Sleep: (&sleepLog{}).sleep})
	conf := &oauth2.Config{
		ClientID:     "1234",
		ClientSecret: secretClientSecret,
		Endpoint:     oauth2.Endpoint{TokenURL: srv.URL + "/api/oauth2/token", AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL:  "http://localhost:3000",
	}
	ctx := context.WithValue(context.Background(), oauth2.HTTPClient, httpClient)

	if _, err := conf.Exchange(ctx, secretCode, oauth2.VerifierOption(secretVerifier)); err == nil {
		t.Fatal("first exchange succeeded, want invalid_grant")
	}
	tok, err := conf.Exchange(ctx, secretCode, oauth2.VerifierOption(secretVerifier))
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken != secretAccess {
		t.Errorf("AccessToken = %q, want the server's", tok.AccessToken)
	}

	assertNoSecrets(t, out.String())
	for _, want := range []string{": 400 Bad Request (7 ms)", ": 200 OK (7 ms)", "code=***", "code_verifier=***", "client_secret=***", `"error":"invalid_grant"`} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("debug output does not contain %q:\n%s", want, out.String())
		}
	}
}

func TestMaskJSONKeepsNumericErrorCode(t *testing.T) {
	t.Parallel()
	got, ok := maskJSON([]byte(`{"code": 50001, "message": "Missing Access", "access_token": "tok-secret-123"}`))
	if !ok {
		t.Fatal("maskJSON could not parse the body")
	}
	if !strings.Contains(got, `"code":50001`) {
		t.Errorf("masked body %s lost Discord's numeric error code", got)
	}
	if strings.Contains(got, "tok-secret-123") {
		t.Errorf("masked body %s still contains the access token", got)
	}
}

func TestMaskJSONKeepsFormErrorsUnderCode(t *testing.T) {
	t.Parallel()
	body := `{"code": 50035, "errors": {"code": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}}, "message": "Invalid Form Body"}`
	got, ok := maskJSON([]byte(body))
	if !ok {
		t.Fatal("maskJSON could not parse the body")
	}
	if !strings.Contains(got, `"This field is required"`) {
		t.Errorf("masked body %s lost the form error under \"code\"", got)
	}
	if !strings.Contains(got, `"code":50035`) {
		t.Errorf("masked body %s lost the numeric error code", got)
	}
}
