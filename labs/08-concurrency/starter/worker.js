// Nothing runs this file yet: the web process sends every thank-you note itself (see server.js).
