package web

import (
	"os"

	"github.com/sysupdate/sysupdate/pkg/bridge"
	"github.com/sysupdate/sysupdate/pkg/netclient"
	"github.com/sysupdate/sysupdate/pkg/proxy"
)

// router decides how this request reaches the network: the proxy package's
// Router, from the options, the environment and the system settings.
//
// TODO: a proxy that answers plain-HTTP requests with 407 and wants NTLM
// or Negotiate is not answered, because the client's transport is not
// wrapped with proxy.Router.WrapHTTP; such a request ends with the 407 as
// an HTTP status. Basic (ProxyCredential or user info) works, and HTTPS
// tunnels answer every scheme.
func router(opts ProxyOptions, out *bridge.Writer) (netclient.Router, error) {
	r, err := proxy.NewRouter(opts, os.Getenv, out)
	if err != nil {
		return nil, err
	}
	return r, nil
}
