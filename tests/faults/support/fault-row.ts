// One line of the fault report: every fault scenario returns one, its test asserts on
// it, and `npm run faults:report` runs the scenarios and writes them to bench/results/faults.json.

export interface FaultRow {
  /** Short id, e.g. 'broker-restart/aedes'. */
  scenario: string;
  /** The load during the fault, e.g. '20 devices × 50 msg/s, QoS1'. */
  load: string;
  /** What was done, e.g. 'embedded broker stopped 2 s, restarted'. */
  fault: string;
  /** Readings the devices had acknowledged by their broker (PUBACK received). */
  published: number;
  /** Of those, how many are in the store at the end. */
  stored: number;
  /** published − stored over acknowledged readings: must be 0. */
  lost: number;
  alarmsExpected: number;
  alarmsRaised: number;
  /** Alarms raised more than once for one episode. */
  alarmsDuplicated: number;
  /** From the end of the fault to the gateway working again (first reading stored after it), ms. */
  recoverMs: number | null;
  notes?: string;
}
