// Package etcdstore keeps fixie credentials in etcd.
package etcdstore
