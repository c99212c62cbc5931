package mirror

// NetOptions are the network parameters of the commands that sync from the
// web.
//
// TODO: replace with netclient's options (TLS protocol, proxy, timeouts,
// retries) once pkg/netclient is available; until then only --ca-file is
// offered and proxies are not used.
type NetOptions struct {
	CAFile string `json:"CAFile" help:"also trust the certificate authorities in this PEM file"`
}

// NewGetter returns the Getter that performs the web requests of a sync.
func NewGetter(net NetOptions) (Getter, error) {
	return NewInterimGetter(net.CAFile)
}
