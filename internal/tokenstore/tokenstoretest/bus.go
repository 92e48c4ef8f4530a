package tokenstoretest

import "fmt"

// noSecretsBusConfig is a D-Bus session bus configuration without service
// directories, so nothing on the bus can be D-Bus-activated. In particular
// no gnome-keyring is started, as any standard session bus does on demand
// once gnome-keyring is installed.
const noSecretsBusConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// NoSecretsBusConfig returns the configuration of a session bus that has no
// Secret Service and puts its socket in socketDir. Tests of the "no keyring"
// path start a bus with it (dbus-daemon --config-file or dbus-run-session
// --config-file).
func NoSecretsBusConfig(socketDir string) string {
	return fmt.Sprintf(noSecretsBusConfig, socketDir)
}
