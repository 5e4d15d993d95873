//go:build tools

// Package tools pins what the conformance piece builds so go mod tidy keeps their modules: the suite
// (its test binary comes from `go test -c sigs.k8s.io/gateway-api/conformance`) and echo-basic.
package tools

import (
	_ "sigs.k8s.io/gateway-api/conformance"
	_ "sigs.k8s.io/gateway-api/conformance/echo-basic"
)
