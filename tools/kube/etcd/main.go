// Command etcd: the etcd server at the version Kubernetes pins, for the Weft test cluster only.
// Takes the ordinary etcd command-line flags; gives a standalone etcd process.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
