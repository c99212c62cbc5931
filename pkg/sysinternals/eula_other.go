//go:build !windows

package sysinternals

import "github.com/sysupdate/sysupdate/pkg/bridge"

// AcceptEulas only warns where there is no Windows registry.
func AcceptEulas(out *bridge.Writer, dir string) error {
	out.Warningf("--accept-eula has an effect on Windows only")
	return nil
}
