// @ts-check
// The checker kit: everything a lab's check.mjs needs. Types and documentation: index.d.ts.
export { runLab, CheckFailed, NotRun } from './checker.mjs';
export { AppExited, describeExit } from './app.mjs';
export { request, describe } from './http.mjs';
export { freePort, randomWord, randomHex, sleep } from './util.mjs';
export { seconds } from './calibrate.mjs';
export { parseProcfile } from './context.mjs';
export { together, startGate, unlessLater } from './together.mjs';
export { spawnProcess, signalProcess, killProcess, markerEnv, createSupervisor, processModel, nodeProgram, MARKER } from './process.mjs';
