// reference-proxies: the nginx and haproxy configurations the proxy benchmarks run beside Weft, as text.
// Each is one worker / one thread (Weft is one event loop), logs off, upstream connections pooled.
// Takes ports and the directory for nginx's pid and error log; gives configuration text. Loopback only.

/** nginx's first lines: one worker in the foreground, pid and error log under `dir`. */
export function nginxHead(dir: string, name: string): string {
  return `worker_processes 1; daemon off; pid ${dir}/${name}.pid; error_log ${dir}/${name}-error.log warn;
events { worker_connections 4096; }
`;
}

/** nginx as an HTTP/1.1 keep-alive reverse proxy to the origin, setting X-Forwarded-For and a request id as Weft does. */
export function nginxHttp1(dir: string, port: number, originPort: number): string {
  return `${nginxHead(dir, "nginx")}http { access_log off;
  upstream origin { server 127.0.0.1:${originPort}; keepalive 64; }
  server { listen 127.0.0.1:${port}; location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection "";
    proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; proxy_set_header X-Request-Id $request_id; } } }
`;
}

/**
 * nginx with h2c (prior knowledge) in front of an h2c origin and a gRPC origin, through grpc_pass (its
 * HTTP/2 upstream). nginx runs one upstream connection per concurrent request, so its idle pool covers
 * all the streams h2load keeps open; the per-connection request cap is lifted so h2load's connections live.
 */
export function nginxH2(dir: string, ports: { h2c: number; grpc: number }, origins: { h2c: number; grpc: number }): string {
  return `${nginxHead(dir, "nginx-h2")}http { access_log off; keepalive_requests 100000000;
  upstream h2origin { server 127.0.0.1:${origins.h2c}; keepalive 512; keepalive_requests 100000000; }
  upstream grpcorigin { server 127.0.0.1:${origins.grpc}; keepalive 512; keepalive_requests 100000000; }
  server { listen 127.0.0.1:${ports.h2c} http2; location / { grpc_pass grpc://h2origin; } }
  server { listen 127.0.0.1:${ports.grpc} http2; location / { grpc_pass grpc://grpcorigin; } } }
`;
}

function haproxyHead(forwardFor: boolean): string {
  return `global
  nbthread 1
  maxconn 4096
defaults
  mode http
  timeout connect 5s
  timeout client 30s
  timeout server 30s
${forwardFor ? "  option forwardfor\n" : ""}  http-reuse always
`;
}

/** haproxy as an HTTP/1.1 keep-alive reverse proxy to the origin, with X-Forwarded-For. */
export function haproxyHttp1(port: number, originPort: number): string {
  return `${haproxyHead(true)}frontend fe
  bind 127.0.0.1:${port}
  default_backend be
backend be
  server origin 127.0.0.1:${originPort}
`;
}

/** haproxy speaking HTTP/2 on both sides (`proto h2`) to an h2c origin and a gRPC origin. */
export function haproxyH2(ports: { h2c: number; grpc: number }, origins: { h2c: number; grpc: number }): string {
  return `${haproxyHead(false)}frontend fe_h2c
  bind 127.0.0.1:${ports.h2c} proto h2
  default_backend be_h2c
frontend fe_grpc
  bind 127.0.0.1:${ports.grpc} proto h2
  default_backend be_grpc
backend be_h2c
  server origin 127.0.0.1:${origins.h2c} proto h2
backend be_grpc
  server origin 127.0.0.1:${origins.grpc} proto h2
`;
}

/** Files of an mTLS pair: the CA bundle, and each side's certificate and key (haproxy: `pem`, both in one file). */
export interface PairFiles {
  readonly ca: string;
  readonly server: { readonly crt: string; readonly key: string; readonly pem: string };
  readonly client: { readonly crt: string; readonly key: string; readonly pem: string };
}

/**
 * The nginx mTLS pair, two configurations (one nginx each): the client side listens in plaintext
 * (HTTP/1.1, or h2c for gRPC) and forwards over TLS with a client certificate, verifying the server
 * against the CA as `server.bench`; the server side requires a client certificate (`ssl_verify_client`)
 * and forwards to the origin. HTTP/1.1: `proxy_pass https` keep-alive both hops; gRPC: `grpc_pass grpcs`
 * (HTTP/2 over TLS between the sides) and `grpc_pass grpc` to the origin.
 */
export function nginxMtlsPair(dir: string, kind: "http1" | "grpc", ports: { client: number; server: number; origin: number }, f: PairFiles): { client: string; server: string } {
  const head = (n: string) => `${nginxHead(dir, n)}http { access_log off; keepalive_requests 100000;`;
  const tag = kind === "grpc" ? "-grpc" : "";
  if (kind === "http1") {
    return {
      server: `${head(`ngx-server${tag}`)}
  upstream origin { server 127.0.0.1:${ports.origin}; keepalive 64; keepalive_requests 100000; }
  server { listen 127.0.0.1:${ports.server} ssl; ssl_certificate ${f.server.crt}; ssl_certificate_key ${f.server.key};
  ssl_client_certificate ${f.ca}; ssl_verify_client on; ssl_protocols TLSv1.2 TLSv1.3;
  location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; } } }
`,
      client: `${head(`ngx-client${tag}`)}
  upstream mesh { server 127.0.0.1:${ports.server}; keepalive 64; keepalive_requests 100000; }
  server { listen 127.0.0.1:${ports.client};
  location / { proxy_pass https://mesh; proxy_http_version 1.1; proxy_set_header Connection "";
    proxy_ssl_certificate ${f.client.crt}; proxy_ssl_certificate_key ${f.client.key};
    proxy_ssl_trusted_certificate ${f.ca}; proxy_ssl_verify on; proxy_ssl_name server.bench; proxy_ssl_session_reuse on; } } }
`,
    };
  }
  return {
    server: `${head(`ngx-server${tag}`)}
  upstream origin { server 127.0.0.1:${ports.origin}; keepalive 64; keepalive_requests 100000; }
  server { listen 127.0.0.1:${ports.server} ssl http2; ssl_certificate ${f.server.crt}; ssl_certificate_key ${f.server.key};
  ssl_client_certificate ${f.ca}; ssl_verify_client on; ssl_protocols TLSv1.2 TLSv1.3;
  location / { grpc_pass grpc://origin; } } }
`,
    client: `${head(`ngx-client${tag}`)}
  upstream mesh { server 127.0.0.1:${ports.server}; keepalive 64; keepalive_requests 100000; }
  server { listen 127.0.0.1:${ports.client} http2;
  location / { grpc_pass grpcs://mesh;
    grpc_ssl_certificate ${f.client.crt}; grpc_ssl_certificate_key ${f.client.key};
    grpc_ssl_trusted_certificate ${f.ca}; grpc_ssl_verify on; grpc_ssl_name server.bench; grpc_ssl_session_reuse on; } } }
`,
  };
}

/**
 * The haproxy mTLS pair, two configurations (one haproxy each), the same shape as nginxMtlsPair: client
 * side plaintext in, `ssl crt` out verifying the server as `server.bench`; server side `verify required`.
 * gRPC: HTTP/2 on every hop (`proto h2` in, `alpn h2` between the sides, `proto h2` to the origin).
 */
export function haproxyMtlsPair(kind: "http1" | "grpc", ports: { client: number; server: number; origin: number }, f: PairFiles): { client: string; server: string } {
  const h2 = kind === "grpc";
  return {
    server: `${haproxyHead(false)}frontend fe
  bind 127.0.0.1:${ports.server} ssl crt ${f.server.pem} ca-file ${f.ca} verify required${h2 ? " alpn h2" : ""}
  default_backend be
backend be
  server origin 127.0.0.1:${ports.origin}${h2 ? " proto h2" : ""}
`,
    client: `${haproxyHead(false)}frontend fe
  bind 127.0.0.1:${ports.client}${h2 ? " proto h2" : ""}
  default_backend be
backend be
  server mesh 127.0.0.1:${ports.server} ssl crt ${f.client.pem} ca-file ${f.ca} verify required verifyhost server.bench sni str(server.bench)${h2 ? " alpn h2" : ""}
`,
  };
}
