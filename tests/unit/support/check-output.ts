/** Checker output in tests goes through the protocol's one parser, so a malformed event fails the test. */
import { readCheckLine, type CheckEvent } from '../../../src/lab-model/check-events.ts';

/** Every non-empty line of `ndjson` as a protocol event; throws naming the first line that is not one. */
export function checkEvents(ndjson: string): CheckEvent[] {
  return ndjson
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const read = readCheckLine(line);
      if (read && 'event' in read) return read.event;
      throw new Error(`${read ? read.problem : 'not a checker event'}: ${line}`);
    });
}
