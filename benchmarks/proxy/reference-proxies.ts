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
