// request: the view of one request the router matches on. The proxy builds it from h1/h2/gRPC.
// Must not: hold behaviour.

export interface RequestView {
  readonly method: string;
  /** Path without query string, as received (percent-encoding kept). */
  readonly path: string;
  /** Raw query string without the leading "?" ("" when none). */
  readonly query: string;
  /** Host without port, lower-cased. */
  readonly host: string;
  /** Header lookup by lower-case name; first value for repeated headers. */
  readonly header: (lowerName: string) => string | undefined;
  /** True when content-type is application/grpc*. */
  readonly grpc: boolean;
}
