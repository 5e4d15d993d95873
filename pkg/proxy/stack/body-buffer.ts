// body-buffer: make a request body replayable when a retry or mirror needs it. Reads up to `bound`
// bytes; a body that ends within the bound becomes a Buffer, a longer one becomes a stream that
// replays what was read and then continues (no retry/mirror for it). Enforces the optional max body
// size (413). The body's trailers (request-trailers.ts) go with the Buffer, or with the replaying stream.
// Takes a Readable; gives Buffer | Readable. Must not: hold more than `bound` bytes.
import { PassThrough, type Readable } from "node:stream";
import { moveRequestTrailers } from "../request-trailers.ts";
import { failure } from "../rescue.ts";

export function bufferBody(body: Readable, bound: number, maxBody: number | undefined): Promise<Buffer | Readable> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      body.off("data", onData);
      body.off("end", onEnd);
      body.off("error", onError);
      body.off("close", onClose);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (maxBody !== undefined && size > maxBody) {
        cleanup();
        body.resume();
        reject(failure("body_too_large", "request body too large"));
        return;
      }
      chunks.push(c);
      if (size > bound) {
        cleanup();
        body.pause();
        const pass = new PassThrough();
        for (const ch of chunks) pass.write(ch);
        // The trailers are kept before the body's end, which comes before the replaying stream's.
        body.once("end", () => moveRequestTrailers(body, pass));
        body.pipe(pass);
        body.once("error", (e) => pass.destroy(e));
        resolve(pass);
      }
    };
    const onEnd = () => {
      cleanup();
      const whole = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      moveRequestTrailers(body, whole);
      resolve(whole);
    };
    const onError = (e: unknown) => {
      cleanup();
      reject(failure("bad_request", e instanceof Error ? "request body aborted" : "request body error"));
    };
    const onClose = () => {
      if (!body.readableEnded) onError(new Error("closed"));
    };
    body.on("data", onData);
    body.on("end", onEnd);
    body.on("error", onError);
    body.on("close", onClose);
  });
}

/** Streams `body` while counting; destroys it with a body_too_large failure past `maxBody`. */
export function limitBody(body: Readable, maxBody: number, onExceeded: () => void): void {
  let size = 0;
  const onData = (c: Buffer) => {
    size += c.length;
    if (size > maxBody) {
      body.off("data", onData);
      onExceeded();
    }
  };
  body.on("data", onData);
}
