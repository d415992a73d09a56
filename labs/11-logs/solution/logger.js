// The app's log is a stream of events: one JSON object per line on stdout, and nothing else. Where
// the lines go from there (a terminal, a file, a search index) is for whoever runs the app to decide.
//
// process.stdout.write hands the line to the operating system at once; nothing waits in a buffer
// inside the app, so a crash or a kill loses nothing that was already logged.
export function log(level, msg, fields = {}) {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}
