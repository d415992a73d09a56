// Loaded into one of the checker's builds with `node --import` (through NODE_OPTIONS): that build runs
// "on another day". Date.now() and new Date() read LAB_CLOCK_SHIFT_MS later than the real clock, so a
// build ID or file that depends on when the build ran comes out different, without the checker waiting.
const shift = Number(process.env.LAB_CLOCK_SHIFT_MS);
const LOADED = Symbol.for('twelve-factor-lab.clock-shift');

if (Number.isFinite(shift) && shift !== 0 && !globalThis[LOADED]) {
  globalThis[LOADED] = true;
  const RealDate = Date;
  const now = () => RealDate.now() + shift;
  // A function rather than a subclass, so Date() called without new still works (it returns a string).
  function ShiftedDate(...args) {
    if (!new.target) return new RealDate(now()).toString();
    return args.length === 0 ? new RealDate(now()) : new RealDate(...args);
  }
  ShiftedDate.prototype = RealDate.prototype;
  Object.assign(ShiftedDate, { now, parse: RealDate.parse, UTC: RealDate.UTC });
  globalThis.Date = ShiftedDate;
}
