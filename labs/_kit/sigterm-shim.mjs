// Preloaded into lab processes (`node --import <kit>/sigterm-shim.mjs`) where a signal sent from outside
// does not reach `process.on('SIGTERM')` (see process.mjs). It connects to the kit's control channel named
// in TWELVE_FACTOR_LAB_SIGNALS ("host:port token spawn-id") and, for each signal name it reads there,
// does what the operating system would: emit the signal in-process when the app listens for it, else
// exit with 128 + its number.
//
// It must not change the app otherwise: it prints nothing, handles its own errors, and never keeps the
// event loop alive (its socket is unref'd), so an app exits exactly when it would without it.
import { connect } from 'node:net';

const NUMBERS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };
const LOADED = Symbol.for('twelve-factor-lab.sigterm-shim');
const spec = process.env.TWELVE_FACTOR_LAB_SIGNALS;

if (spec && !globalThis[LOADED]) {
  globalThis[LOADED] = true;
  const [address, token, spawnId] = spec.split(' ');
  const colon = address.lastIndexOf(':');
  const socket = connect(Number(address.slice(colon + 1)), address.slice(0, colon));
  socket.unref();
  socket.setEncoding('utf8');
  socket.on('connect', () => socket.write(`hello ${token} ${spawnId} ${process.pid}\n`));
  let buffer = '';
  socket.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const signal = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (!(signal in NUMBERS)) continue;
      if (process.listenerCount(signal) > 0) process.emit(signal, signal);
      else process.exit(128 + NUMBERS[signal]);
    }
  });
  socket.on('error', () => socket.destroy());
}
