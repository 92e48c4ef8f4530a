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
	ctx, cancel := context.WithCancel(context.Background())
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	received := make(chan os.Signal, 1)
	go func() {
		sig := <-signals
		received <- sig
		cancel()
	}()

	code := cmd.Main(ctx, os.Args[1:], cmd.SystemFactory())
	select {
	case sig := <-received:
		// 128 + the signal number, as shells report a process that a
		// signal ended: 130 for Ctrl-C, 143 for SIGTERM.
		if sig == syscall.SIGTERM && code == cmd.ExitInterrupted {
			code = 128 + int(syscall.SIGTERM)
		}
	default:
	}
	signal.Stop(signals)
	cancel()
	os.Exit(code)
}
