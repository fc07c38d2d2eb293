// Package echomw protects Echo v4 routes with fixie credentials: package
// middleware's decision in Echo's shape, apart so that applications without
// Echo never import it. See README.md in the middleware directory.
//
//	api := e.Group("/api", echomw.Auth(c)) // c is a *cache.Cache
package echomw
