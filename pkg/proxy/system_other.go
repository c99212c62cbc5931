//go:build !windows

package proxy

import "net/url"

// systemSettings holds nothing off Windows.
type systemSettings struct{}

// fromSystem has no system settings to read off Windows: Linux and macOS
// programs take their proxy from the environment.
//
// TODO: macOS's own proxy settings (scutil --proxy) and PAC scripts off
// Windows are not read; evaluating a PAC script needs a JavaScript engine,
// too heavy a dependency for this executable. Set HTTPS_PROXY instead.
func (r *Router) fromSystem(u *url.URL) (Decision, bool) { return Decision{}, false }
