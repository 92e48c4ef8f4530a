//go:build !windows

package oauthflow

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"testing"
)

func TestListenErrorClassification(t *testing.T) {
	t.Parallel()

	wrap := func(errno syscall.Errno) error {
		return &net.OpError{Op: "listen", Net: "tcp6", Err: os.NewSyscallError("bind", errno)}
	}
	tests := []struct {
		name      string
		err       error
		wantInUse bool
		wantNoV6  bool
	}{
		{name: "address in use", err: wrap(syscall.EADDRINUSE), wantInUse: true},
		{name: "address not available", err: wrap(syscall.EADDRNOTAVAIL), wantNoV6: true},
		{name: "family not supported", err: wrap(syscall.EAFNOSUPPORT), wantNoV6: true},
		{name: "permission denied", err: wrap(syscall.EACCES)},
		{name: "wrapped in use", err: fmt.Errorf("listening: %w", wrap(syscall.EADDRINUSE)), wantInUse: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()

			if got := isAddrInUse(tt.err); got != tt.wantInUse {
				t.Errorf("isAddrInUse = %v, want %v", got, tt.wantInUse)
			}
			if got := isNoIPv6(tt.err); got != tt.wantNoV6 {
				t.Errorf("isNoIPv6 = %v, want %v", got, tt.wantNoV6)
			}
		})
	}
}
