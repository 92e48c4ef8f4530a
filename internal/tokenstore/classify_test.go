package tokenstore

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"reflect"
	"syscall"
	"testing"

	dbus "github.com/godbus/dbus/v5"
	keyring "github.com/zalando/go-keyring"
)

// The errors below reproduce, type and text, what go-keyring v0.2.8 with
// godbus v5.2.2 returned against gnome-keyring 42.1 on Debian bookworm.
var (
	errNoDBusLaunch = &exec.Error{Name: "dbus-launch", Err: exec.ErrNotFound}
	errDialMissing  = &net.OpError{
		Op:  "dial",
		Net: "unix",
		Addr: &net.UnixAddr{
			Name: "/tmp/nonexistent",
			Net:  "unix",
		},
		Err: os.NewSyscallError("connect", syscall.ENOENT),
	}
	errNoProvider = dbus.Error{
		Name: "org.freedesktop.DBus.Error.ServiceUnknown",
		Body: []any{"The name org.freedesktop.secrets was not provided by any .service files"},
	}
	errNoCollection = errors.New("failed to unlock correct collection '/org/freedesktop/secrets/aliases/default'")
	errLockedLogin  = errors.New("failed to unlock correct collection '/org/freedesktop/secrets/collection/login'")
	errObjectGone   = dbus.Error{
		Name: "org.freedesktop.DBus.Error.UnknownMethod",
		Body: []any{"Object does not exist at path “/org/freedesktop/secrets/collection/login/102”"},
	}
	errInterfaceGone = dbus.Error{
		Name: "org.freedesktop.DBus.Error.UnknownMethod",
		Body: []any{"No such interface “org.freedesktop.Secret.Item” on object at path /org/freedesktop/secrets/collection/login/104"},
	}
	errTooBig = errors.New("dbus: wire format error: input exceeds array size limitation")
)

func TestRecordedErrorTexts(t *testing.T) {
	t.Parallel()
	// Guards the fixtures above: each must print what go-keyring printed.
	tests := []struct {
		err  error
		want string
	}{
		{errNoDBusLaunch, `exec: "dbus-launch": executable file not found in $PATH`},
		{errDialMissing, "dial unix /tmp/nonexistent: connect: no such file or directory"},
		{errNoProvider, "The name org.freedesktop.secrets was not provided by any .service files"},
		{errObjectGone, "Object does not exist at path “/org/freedesktop/secrets/collection/login/102”"},
		{keyring.ErrNotFound, "secret not found in keyring"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("fixture prints %q, want %q", got, tt.want)
		}
	}
}

func TestClassify(t *testing.T) {
	t.Parallel()
	const (
		notFound    = "not found"
		unavailable = "unavailable"
		locked      = "locked"
		unchanged   = "unchanged"
	)
	tests := []struct {
		name string
		err  error
		op   op
		want string
	}{
		{name: "not found get", err: keyring.ErrNotFound, op: opRead, want: notFound},
		{name: "not found delete", err: keyring.ErrNotFound, op: opDelete, want: notFound},
		{name: "no dbus-launch", err: errNoDBusLaunch, op: opRead, want: unavailable},
		{name: "no dbus-launch set", err: errNoDBusLaunch, op: opWrite, want: unavailable},
		{name: "dial missing socket", err: errDialMissing, op: opRead, want: unavailable},
		{name: "no provider", err: errNoProvider, op: opWrite, want: unavailable},
		{name: "name has no owner", err: dbus.Error{Name: "org.freedesktop.DBus.Error.NameHasNoOwner"}, op: opRead, want: unavailable},
		{name: "no reply", err: dbus.Error{Name: "org.freedesktop.DBus.Error.NoReply"}, op: opRead, want: unavailable},
		{name: "no address", err: errors.New("dbus: couldn't determine address of session bus"), op: opRead, want: unavailable},
		{name: "auth failed", err: errors.New("dbus: authentication failed"), op: opWrite, want: unavailable},
		{name: "connection closed", err: dbus.ErrClosed, op: opRead, want: unavailable},
		{name: "unsupported platform", err: keyring.ErrUnsupportedPlatform, op: opRead, want: unavailable},
		{name: "no default collection", err: errNoCollection, op: opWrite, want: locked},
		{name: "locked login", err: errLockedLogin, op: opRead, want: locked},
		{name: "locked login delete", err: errLockedLogin, op: opDelete, want: locked},
		{name: "is locked", err: dbus.Error{Name: "org.freedesktop.Secret.Error.IsLocked"}, op: opRead, want: locked},
		{name: "object gone get", err: errObjectGone, op: opRead, want: notFound},
		{name: "interface gone get", err: errInterfaceGone, op: opRead, want: notFound},
		{name: "object gone delete", err: errObjectGone, op: opDelete, want: notFound},
		{name: "interface gone delete", err: errInterfaceGone, op: opDelete, want: notFound},
		{name: "no such object", err: dbus.Error{Name: "org.freedesktop.Secret.Error.NoSuchObject"}, op: opRead, want: notFound},
		{name: "object gone set", err: errObjectGone, op: opWrite, want: unchanged},
		{name: "too big", err: errTooBig, op: opWrite, want: unchanged},
		{name: "other dbus error", err: dbus.Error{Name: "org.freedesktop.DBus.Error.AccessDenied"}, op: opRead, want: unchanged},
		{name: "other", err: errors.New("boom"), op: opRead, want: unchanged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := classify(tt.err, tt.op)

			var u *UnavailableError
			var l *LockedError
			var kind string
			switch {
			case errors.Is(got, ErrNotFound):
				kind = notFound
			case errors.As(got, &u):
				kind = unavailable
			case errors.As(got, &l):
				kind = locked
			case reflect.TypeOf(got) == reflect.TypeOf(tt.err) && got.Error() == tt.err.Error():
				// dbus.Error holds a slice, so == would panic.
				kind = unchanged
			default:
				kind = "changed: " + got.Error()
			}
			if kind != tt.want {
				t.Fatalf("classify(%v) is %s (%v), want %s", tt.err, kind, got, tt.want)
			}
			if kind == unavailable || kind == locked {
				if !wraps(got, tt.err) {
					t.Errorf("classify(%v) = %v does not wrap the original error", tt.err, got)
				}
			}
		})
	}
}

// wraps reports whether target is in err's chain. errors.Is cannot tell,
// because dbus.Error is not comparable.
func wraps(err, target error) bool {
	for ; err != nil; err = errors.Unwrap(err) {
		if reflect.TypeOf(err) == reflect.TypeOf(target) && err.Error() == target.Error() {
			return true
		}
	}
	return false
}

func TestClassifyNil(t *testing.T) {
	t.Parallel()
	if err := classify(nil, opRead); err != nil {
		t.Errorf("classify(nil) = %v", err)
	}
}

func TestClassifyKeepsTypedErrors(t *testing.T) {
	t.Parallel()
	in := &UnavailableError{Err: errors.New("no bus")}
	if got := classify(in, opRead); got != error(in) {
		t.Errorf("classify(*UnavailableError) = %v, want it unchanged", got)
	}
}

func TestUnwrapReachesDBusError(t *testing.T) {
	t.Parallel()
	got := classify(errNoProvider, opRead)
	var busErr dbus.Error
	if !errors.As(got, &busErr) {
		t.Fatalf("errors.As(%v, dbus.Error) failed", got)
	}
	if busErr.Name != "org.freedesktop.DBus.Error.ServiceUnknown" {
		t.Errorf("Name = %q", busErr.Name)
	}
}

func TestUnwrapReachesNetError(t *testing.T) {
	t.Parallel()
	got := classify(errDialMissing, opRead)
	if !errors.Is(got, syscall.ENOENT) {
		t.Errorf("errors.Is(%v, ENOENT) = false", got)
	}
}

func TestErrorTexts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  error
		want string
	}{
		{
			name: "no provider",
			err:  classify(errNoProvider, opRead),
			want: "OS keyring is unavailable: no Secret Service provider on the D-Bus session bus: The name org.freedesktop.secrets was not provided by any .service files",
		},
		{
			name: "no dbus-launch",
			err:  classify(errNoDBusLaunch, opRead),
			want: `OS keyring is unavailable: no D-Bus session bus: exec: "dbus-launch": executable file not found in $PATH`,
		},
		{
			name: "dial",
			err:  classify(errDialMissing, opRead),
			want: "OS keyring is unavailable: cannot connect to the D-Bus session bus: dial unix /tmp/nonexistent: connect: no such file or directory",
		},
		{
			name: "locked",
			err:  classify(errLockedLogin, opRead),
			want: "OS keyring is locked or has no default collection: failed to unlock correct collection '/org/freedesktop/secrets/collection/login'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() =\n %s\nwant\n %s", got, tt.want)
			}
		})
	}
}

func TestCheckSessionBus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		goos   string
		env    map[string]string
		files  []string
		wantOK bool
	}{
		{name: "address set", goos: "linux", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "unix:path=/run/user/1000/bus"}, wantOK: true},
		{name: "run user bus", goos: "linux", files: []string{"/run/user/1000/bus"}, wantOK: true},
		{name: "run user dbus-session", goos: "linux", files: []string{"/run/user/1000/dbus-session"}, wantOK: true},
		{name: "display", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, wantOK: true},
		{name: "nothing", goos: "linux", wantOK: false},
		{name: "empty address", goos: "linux", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": ""}, wantOK: false},
		{name: "autolaunch address", goos: "linux", env: map[string]string{"DBUS_SESSION_BUS_ADDRESS": "autolaunch:"}, wantOK: false},
		{name: "other uid", goos: "linux", files: []string{"/run/user/0/bus"}, wantOK: false},
		{name: "freebsd nothing", goos: "freebsd", wantOK: false},
		{name: "darwin", goos: "darwin", wantOK: true},
		{name: "windows", goos: "windows", wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k := systemKeyring{
				lookupEnv: func(name string) (string, bool) {
					v, ok := tt.env[name]
					return v, ok
				},
				exists: func(path string) bool {
					for _, f := range tt.files {
						if f == path {
							return true
						}
					}
					return false
				},
				uid:  1000,
				goos: tt.goos,
			}
			err := k.checkSessionBus()
			if tt.wantOK {
				if err != nil {
					t.Errorf("checkSessionBus() = %v, want nil", err)
				}
				return
			}
			var u *UnavailableError
			if !errors.As(err, &u) {
				t.Fatalf("checkSessionBus() = %v, want *UnavailableError", err)
			}
			if got := classify(err, opRead); got != err {
				t.Errorf("classify changed %v to %v", err, got)
			}
		})
	}
}
