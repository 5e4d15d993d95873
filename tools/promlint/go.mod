// Prometheus's metrics linter (what `promtool check metrics` runs), built without Prometheus's module
// graph. Test infrastructure only (scripts/build-test-cluster.sh promlint). The versions are the ones
// Prometheus v0.316.0 (3.16) pins in its go.mod: client_golang v1.25.0, client_model v0.6.3, common v0.72.1.
module weft.invalid/tools/promlint

go 1.26.0

require (
	github.com/prometheus/client_golang v1.25.0
	github.com/prometheus/common v0.72.1
)

require (
	github.com/munnerz/goautoneg v0.0.0-20191010083416-a7dc8b61c822 // indirect
	github.com/prometheus/client_model v0.6.3 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
