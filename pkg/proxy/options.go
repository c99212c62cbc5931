// Package proxy decides how requests reach the network: an explicit proxy,
// the environment, the system settings (per-user IE/WinINet, the WinHTTP
// default, PAC and WPAD), or direct; and it authenticates to proxies.
package proxy

import "github.com/sysupdate/sysupdate/pkg/bridge"

// Options are the proxy parameters of every command that goes online,
// named after the parameters of the PowerShell web cmdlets.
type Options struct {
	Proxy                      string             `json:"Proxy" help:"proxy URL (http://host:port), overriding the environment and the system settings"`
	NoProxy                    bool               `json:"NoProxy" help:"connect directly, ignoring the environment and the system proxy settings"`
	ProxyCredential            *bridge.Credential `json:"ProxyCredential"`
	ProxyUseDefaultCredentials bool               `json:"ProxyUseDefaultCredentials" help:"authenticate to the proxy as the logged-on Windows user (Negotiate, NTLM)"`
}
