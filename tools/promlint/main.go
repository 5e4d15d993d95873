// promlint: Prometheus's metrics linter, the check `promtool check metrics` runs (Prometheus v0.316.0,
// cmd/promtool/main.go CheckMetrics with its default --lint=all and no --extended), without
// Prometheus's module graph: client_golang's promlint over the text exposition format on stdin.
// Takes: an exposition text on stdin, no arguments. Gives, as promtool does: one "<metric> <problem>"
// line per problem on stderr; exit 0 when clean, 3 when there are problems, 1 when the text does not
// parse ("error while linting: ..." on stderr).
// Must not: fetch anything, or accept a text promtool would refuse (same library versions, same
// name validation scheme: UTF-8, as promtool's init sets it).
package main

import (
	"fmt"
	"os"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	"github.com/prometheus/common/model"
)

const (
	successExitCode = 0
	failureExitCode = 1
	lintErrExitCode = 3
)

func init() {
	// As promtool's init (cmd/promtool/main.go): names are validated as UTF-8.
	//nolint:staticcheck
	model.NameValidationScheme = model.UTF8Validation
}

func main() {
	if len(os.Args) > 1 {
		fmt.Fprintln(os.Stderr, "usage: promlint < metrics.txt (takes no arguments; the text exposition format on stdin)")
		os.Exit(failureExitCode)
	}
	problems, err := promlint.New(os.Stdin).Lint()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error while linting:", err)
		os.Exit(failureExitCode)
	}
	for _, p := range problems {
		fmt.Fprintln(os.Stderr, p.Metric, p.Text)
	}
	if len(problems) > 0 {
		os.Exit(lintErrExitCode)
	}
	os.Exit(successExitCode)
}
