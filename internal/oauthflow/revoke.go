package oauthflow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// RevokeError is an error response from the token revocation endpoint.
type RevokeError struct {
	Status      int
	Code        string
	Description string
}

func (e *RevokeError) Error() string {
	msg := fmt.Sprintf("revocation endpoint returned %d", e.Status)
	if e.Code != "" {
		msg += " " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	return msg
}

// Revoke revokes token at the authorization server (RFC 7009). At
// Discord, revoking either token of a grant revokes the whole grant. The
// request is form-encoded, the only body Discord's endpoint accepts, and
// authenticates the client the same way the token endpoint does.
func Revoke(ctx context.Context, httpClient *http.Client, cfg Config, revokeURL, token, tokenTypeHint string) error {
	form := url.Values{"token": {token}}
	if tokenTypeHint != "" {
		form.Set("token_type_hint", tokenTypeHint)
	}
	if cfg.ClientSecret == "" {
		form.Set("client_id", cfg.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, revokeURL, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("build revocation request: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if cfg.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(cfg.ClientID), url.QueryEscape(cfg.ClientSecret))
	}

	resp, err := httpClient.Do(req)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return nil
	}
	revokeErr := &RevokeError{Status: resp.StatusCode}
	var answer struct {
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
	}
	if json.Unmarshal(body, &answer) == nil {
		revokeErr.Code, revokeErr.Description = answer.Error, answer.ErrorDescription
	}
	return revokeErr
}
