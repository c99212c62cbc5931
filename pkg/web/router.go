package web

import (
	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/netclient"
)

// router decides how this request reaches the network.
//
// TODO: proxies are not yet honoured: --proxy, --no-proxy, the
// HTTPS_PROXY/HTTP_PROXY/NO_PROXY environment and the system settings are
// accepted but every request connects directly, so a host that can reach
// the web only through a proxy fails with a connection error. This is the
// one place where the proxy package's Router will be built from opts.
func router(opts ProxyOptions, out *bridge.Writer) (netclient.Router, error) {
	if opts.Proxy != "" || opts.ProxyUseDefaultCredentials || opts.ProxyCredential != nil {
		out.Warningf("proxy settings are not honoured yet by this sysupdate; connecting directly")
	}
	return nil, nil
}
