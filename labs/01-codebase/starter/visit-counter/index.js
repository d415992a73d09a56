// The counter code that web and report share, as one package both of them install.
// Nothing uses it yet: each app still carries its own copy in counter.js.
