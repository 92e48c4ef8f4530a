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
		// The first signal lets dauth finish what must not be cut short,
		// such as saving rotated tokens; a second one ends it at once.
		sig = <-signals
		os.Exit(exitCodeFor(sig))
	}()

	code := cmd.Main(ctx, os.Args[1:], cmd.SystemFactory())
	select {
	case sig := <-received:
		if code == cmd.ExitInterrupted {
			code = exitCodeFor(sig)
		}
	default:
	}
	signal.Stop(signals)
	cancel()
	os.Exit(code)
}

// exitCodeFor returns 128 + the signal number, as shells report a process
// that a signal ended: 130 for Ctrl-C, 143 for SIGTERM.
func exitCodeFor(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return 128 + int(syscall.SIGTERM)
	}
	return cmd.ExitInterrupted
}
