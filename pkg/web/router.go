package web

import (
	"os"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/netclient"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

// router decides how this request reaches the network: the proxy package's
// Router, from the options, the environment and the system settings. The
// client also hands it plain-HTTP requests, so that a proxy asking for NTLM
// or Negotiate is answered.
func router(opts ProxyOptions, out *bridge.Writer) (netclient.Router, error) {
	r, err := proxy.NewRouter(opts, os.Getenv, out)
	if err != nil {
		return nil, err
	}
	return r, nil
}
