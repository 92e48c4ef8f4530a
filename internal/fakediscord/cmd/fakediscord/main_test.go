package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the concurrent writes of a server.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestLoopbackListenAddr(t *testing.T) {
	t.Parallel()
	tests := []struct {
		addr    string
		want    string
		wantErr bool
	}{
		{"127.0.0.1:0", "127.0.0.1:0", false},
		{"127.0.0.1:8080", "127.0.0.1:8080", false},
		{"[::1]:0", "[::1]:0", false},
		{"localhost:0", "127.0.0.1:0", false},
		{"0.0.0.0:0", "", true},
		{":8080", "", true},
		{"[::]:0", "", true},
		{"192.168.1.10:0", "", true},
		{"example.com:80", "", true},
		{"127.0.0.1", "", true},
	}
	for _, tt := range tests {
		got, err := loopbackListenAddr(tt.addr)
		if (err != nil) != tt.wantErr {
			t.Errorf("loopbackListenAddr(%q) error = %v, want error %v", tt.addr, err, tt.wantErr)
		}
		if got != tt.want {
			t.Errorf("loopbackListenAddr(%q) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func TestCheckLoopbackURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url     string
		wantErr bool
	}{
		{"http://127.0.0.1:3000/cb?code=x", false},
		{"http://localhost:3000", false},
		{"http://[::1]:3000/", false},
		{"https://127.0.0.2/", false},
		{"http://example.com/", true},
		{"http://10.0.0.1/", true},
		{"http://169.254.169.254/", true},
		{"ftp://127.0.0.1/", true},
		{"file:///etc/passwd", true},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatal(err)
		}
		if err := checkLoopbackURL(u); (err != nil) != tt.wantErr {
			t.Errorf("checkLoopbackURL(%q) = %v, want error %v", tt.url, err, tt.wantErr)
		}
	}
}

func TestRunUsage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
	}{
		{"no command", nil},
		{"unknown command", []string{"browse"}},
		{"serve non-loopback", []string{"serve", "-addr", "0.0.0.0:0"}},
		{"serve bad mode", []string{"serve", "-mode", "maybe"}},
		{"serve no guilds", []string{"serve", "-guilds", "0"}},
		{"serve extra argument", []string{"serve", "now"}},
		{"open no url", []string{"open"}},
		{"open non-loopback", []string{"open", "http://example.com/"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tt.args, &stdout, &stderr); code != exitUsage {
				t.Errorf("exit code = %d, want %d", code, exitUsage)
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want empty", stdout.String())
			}
			if stderr.Len() == 0 {
				t.Error("stderr is empty, want a message")
			}
		})
	}
}

func TestServe(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	urlFile := filepath.Join(t.TempDir(), "url")
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "-addr", "127.0.0.1:0", "-url-file", urlFile, "-guilds", "5"}, &stdout, &stderr)
	}()

	var baseURL string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if raw, err := os.ReadFile(urlFile); err == nil && strings.HasSuffix(string(raw), "\n") {
			baseURL = strings.TrimSpace(string(raw))
			break
		}
	}
	if !strings.HasPrefix(baseURL, "http://127.0.0.1:") {
		t.Fatalf("URL file contains %q, want http://127.0.0.1:PORT", baseURL)
	}

	resp, err := http.Get(baseURL + "/api/v10/users/@me?secret=query")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET /api/v10/users/@me without token: status = %d, want 401", resp.StatusCode)
	}

	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit code = %d, want 0; stderr:\n%s", code, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop after cancellation")
	}
	if got := stdout.String(); got != baseURL+"\n" {
		t.Errorf("stdout = %q, want %q", got, baseURL+"\n")
	}
	log := stderr.String()
	if !strings.Contains(log, "path=/api/v10/users/@me status=401") {
		t.Errorf("stderr does not log the request:\n%s", log)
	}
	if strings.Contains(log, "secret=query") {
		t.Errorf("stderr logs a query:\n%s", log)
	}
}

func TestOpen(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("signed in")) })
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/to-ok", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/ok?code=abc", http.StatusFound)
	})
	mux.HandleFunc("/to-localhost", func(w http.ResponseWriter, r *http.Request) {
		u := "http://localhost:" + r.Host[strings.LastIndex(r.Host, ":")+1:] + "/ok"
		http.Redirect(w, r, u, http.StatusFound)
	})
	mux.HandleFunc("/to-remote", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://example.com/?code=abc", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)

	tests := []struct {
		path     string
		wantCode int
	}{
		{"/ok", exitOK},
		{"/to-ok", exitOK},
		{"/to-localhost", exitOK},
		{"/missing", exitError},
		{"/to-remote", exitError},
		{"/loop", exitError},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), []string{"open", ts.URL + tt.path + "?state=s3cr3t"}, &stdout, &stderr)

			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d; stderr: %s", code, tt.wantCode, stderr.String())
			}
			if stdout.Len() != 0 {
				t.Errorf("stdout = %q, want empty", stdout.String())
			}
			if strings.Contains(stderr.String(), "s3cr3t") || strings.Contains(stderr.String(), "code=abc") {
				t.Errorf("stderr shows a query: %s", stderr.String())
			}
		})
	}
}
