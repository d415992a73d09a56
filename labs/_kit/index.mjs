// The checker kit: everything a lab's check.mjs needs.
export { runLab, CheckFailed } from './checker.mjs';
export { AppExited, describeExit } from './app.mjs';
export { request, describe } from './http.mjs';
export { freePort, randomWord, randomHex, sleep } from './util.mjs';
export { setSignalDelivery } from './signals.mjs';
