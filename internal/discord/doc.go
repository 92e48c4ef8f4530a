// Package discord is dauth's client for Discord's OAuth2 endpoints and REST
// API: base URLs, authenticated requests, pagination, typed errors, raw JSON
// kept exactly as received, and the retry and debug HTTP transports that
// every dauth request goes through.
package discord
