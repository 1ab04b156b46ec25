// Makes a local port answer on IPv6 loopback too. `wrangler dev --ip` binds one address, and
// `localhost` resolves to 127.0.0.1 on some machines and to ::1 first on others (macOS, some Linux
// distributions): under `npm start` every process binds 127.0.0.1 and this forwards [::1]:<port>
// to it byte for byte, so http://localhost, http://127.0.0.1 and http://[::1] all reach the same
// process, with the client's own Host header. Binding `::` instead would expose the stack to the
// network; nothing here listens beyond loopback.
import { connect, createServer } from 'node:net';

/**
 * Listens on [::1]:port and pipes every connection to 127.0.0.1:port. Resolves to a close function,
 * or to `{ unavailable }` saying why when this machine has no IPv6 loopback.
 * @param {number} port
 * @returns {Promise<{ close(): Promise<void> } | { unavailable: string }>}
 */
export function forwardIpv6Loopback(port) {
  /** @type {Set<import('node:net').Socket>} */
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    }
    // A side that fails or closes takes the other down with it (as a direct connection would).
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => {
    server.once('error', (/** @type {NodeJS.ErrnoException} */ error) => {
      if (error.code === 'EADDRNOTAVAIL' || error.code === 'EAFNOSUPPORT') resolve({ unavailable: `no IPv6 loopback (${error.code})` });
      else reject(new Error(`[::1]:${port}: ${error.message}`));
    });
    server.listen({ host: '::1', port, ipv6Only: true }, () =>
      resolve({
        close() {
          for (const socket of sockets) socket.destroy();
          return new Promise((done) => server.close(() => done()));
        },
      }),
    );
  });
}
