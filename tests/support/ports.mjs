// Free TCP ports on 127.0.0.1 for test servers.
import * as net from "node:net";

/** A port that was free on 127.0.0.1 a moment ago (the OS picks it; another process could race). */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close((err) => (err ? reject(err) : resolve(port)));
    });
  });
}

/** Several distinct free ports. */
export async function freePorts(n, host = "127.0.0.1") {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort(host));
  return [...ports];
}
