package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/spf13/cobra"

	"github.com/dauth-cli/dauth/internal/discord"
)

type apiOptions struct {
	Path     string
	Method   string
	Fields   []string
	Paginate bool
	Refresh  bool
	Output   jsonOutput

	query url.Values
	body  []byte
}

func newAPICmd(a *app, runF func(context.Context, *apiOptions) error) *cobra.Command {
	opts := &apiOptions{}
	c := &cobra.Command{
		Use:   "api PATH",
		Short: "Make an authenticated request to the Discord API",
		Long: `Make an authenticated request to the Discord API (v10) and print the
response body as received.

PATH is relative to https://discord.com/api/v10, such as /users/@me or
users/@me/guilds. Fields given with -f are sent as query parameters for GET
and as a JSON object of strings otherwise; -f makes the default method POST,
except with --paginate, which always uses GET.
With --paginate, dauth follows a list endpoint with ?after=<last id> until a
page is empty or shorter than ?limit=, and prints one JSON array.

On an error status dauth prints Discord's error JSON on stdout, the status
on stderr, and exits 1 (4 for 401).`,
		Example: `  dauth api /users/@me
  dauth api /users/@me/guilds --paginate -f limit=200 --jq '.[].id'
  dauth api /oauth2/@me --jq .scopes`,
		Args: func(c *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageErr(fmt.Errorf("%s takes exactly one PATH argument, got %d", c.CommandPath(), len(args)))
			}
			return nil
		},
		RunE: func(c *cobra.Command, args []string) error {
			opts.Path = args[0]
			if err := opts.prepare(c.Flags().Changed("method")); err != nil {
				return err
			}
			if runF != nil {
				return runF(c.Context(), opts)
			}
			return a.apiRun(c.Context(), opts)
		},
	}
	f := c.Flags()
	f.StringVarP(&opts.Method, "method", "X", http.MethodGet, "HTTP `method`")
	f.StringArrayVarP(&opts.Fields, "field", "f", nil, "add a `key=value` field (repeatable)")
	f.BoolVar(&opts.Paginate, "paginate", false, "follow ?after= pages of a list endpoint and print one JSON array")
	addRefreshFlag(f, &opts.Refresh)
	f.StringVar(&opts.Output.JQ, "jq", "", "filter the response with a jq `expression`")
	return c
}

// prepare validates the flags and builds the query or body from the fields.
func (o *apiOptions) prepare(methodGiven bool) error {
	if err := o.Output.validate(); err != nil {
		return err
	}
	if path, _, _ := strings.Cut(o.Path, "?"); strings.TrimSpace(path) == "" {
		return usageErr(errors.New("missing PATH: give a path relative to the API base, such as /users/@me"))
	}
	if strings.Contains(o.Path, "://") {
		return usageErr(fmt.Errorf("invalid PATH %q: give a path relative to the API base, such as /users/@me", o.Path))
	}
	if !strings.HasPrefix(o.Path, "/") {
		o.Path = "/" + o.Path
	}
	// Fields make the default method POST, as in gh api, but --paginate
	// only makes sense for GET and its fields are the query (limit=200).
	if !methodGiven && len(o.Fields) > 0 && !o.Paginate {
		o.Method = http.MethodPost
	}
	o.Method = strings.ToUpper(o.Method)
	switch o.Method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodHead:
	default:
		return usageErr(fmt.Errorf("invalid --method %q: use GET, POST, PUT, PATCH, DELETE or HEAD", o.Method))
	}
	if o.Paginate && o.Method != http.MethodGet {
		return usageErr(fmt.Errorf("--paginate works only with GET, not %s", o.Method))
	}

	values := url.Values{}
	object := map[string]string{}
	for _, field := range o.Fields {
		key, value, ok := strings.Cut(field, "=")
		if !ok || key == "" {
			return usageErr(fmt.Errorf("invalid field %q: use key=value", field))
		}
		values.Add(key, value)
		object[key] = value
	}
	if o.Method == http.MethodGet || o.Method == http.MethodHead {
		o.query = values
		return nil
	}
	if len(object) > 0 {
		body, err := json.Marshal(object)
		if err != nil {
			return err
		}
		o.body = body
	}
	return nil
}

func (a *app) apiRun(ctx context.Context, opts *apiOptions) error {
	env, err := a.newAPIEnv()
	if err != nil {
		return err
	}
	if err := env.client.CheckPath(opts.Path); err != nil {
		return usageErr(err)
	}

	var raw []byte
	err = env.session.Do(ctx, opts.Refresh, func(ctx context.Context, token string) error {
		if opts.Paginate {
			var items []json.RawMessage
			err := env.client.Paginate(ctx, opts.Path, opts.query, token, func(page []json.RawMessage) error {
				items = append(items, page...)
				return nil
			})
			raw = joinArray(items)
			return err
		}
		resp, err := env.client.Do(ctx, opts.Method, opts.Path, opts.query, opts.body, token)
		if resp != nil {
			raw = resp.Body
		}
		return err
	})

	var apiErr *discord.APIError
	if errors.As(err, &apiErr) && !errors.Is(err, discord.ErrUnauthorized) {
		if len(apiErr.Body) > 0 {
			fmt.Fprintf(a.f.Out, "%s\n", apiErr.Body)
		}
		return err
	}
	if err != nil {
		return err
	}
	if len(raw) == 0 {
		return nil
	}
	return opts.Output.write(a.f.Out, raw)
}
