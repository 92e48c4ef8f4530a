//go:build windows

package oauthflow

import (
	"errors"

	"golang.org/x/sys/windows"
)

// isAddrInUse reports whether err means that another socket has the address.
func isAddrInUse(err error) bool {
	return errors.Is(err, windows.WSAEADDRINUSE)
}

// isNoIPv6 reports whether err means that the machine has no IPv6 loopback
// address or no IPv6 support at all.
func isNoIPv6(err error) bool {
	return errors.Is(err, windows.WSAEADDRNOTAVAIL) || errors.Is(err, windows.WSAEAFNOSUPPORT)
}
