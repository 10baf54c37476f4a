// The hostile scenarios (hostile input, access, clock trouble), one function each
// returning a FaultRow with the details its test asserts on; `npm run faults:report` runs them too.

export { HOSTILE_SUITE, runHostileInput, type HostileInputOptions, type HostileOutcome, type HostileDetails } from './hostile-input.js';
export { runAccess, type AccessOutcome, type AccessCheck } from './hostile-access.js';
export { CLOCK_SUITE, runClockTrouble, type ClockOptions, type ClockOutcome, type ClockDetails } from './hostile-clock.js';
