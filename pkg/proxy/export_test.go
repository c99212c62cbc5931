package proxy

import "net/url"

// Remember fixes the decision for u's host, as a PAC script's answer
// would, so the failover along a list can be tested on every system.
func (r *Router) Remember(u *url.URL, d Decision) { r.remember(u, d) }
