//go:build !windows

package oauthflow

import (
	"errors"
	"syscall"
)

// isAddrInUse reports whether err means that another socket has the address.
func isAddrInUse(err error) bool {
	return errors.Is(err, syscall.EADDRINUSE)
}

// isNoIPv6 reports whether err means that the machine has no IPv6 loopback
// address or no IPv6 support at all.
func isNoIPv6(err error) bool {
	return errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.EAFNOSUPPORT)
}
