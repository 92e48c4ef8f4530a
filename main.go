// Command dauth signs a person into Discord with OAuth2 and calls the
// Discord API for them.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/dauth-cli/dauth/cmd"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd.Main(ctx, os.Args[1:], cmd.SystemFactory())
	stop()
	os.Exit(code)
}
