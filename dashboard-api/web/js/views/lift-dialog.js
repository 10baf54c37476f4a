// The lift of a stop-work order (复工): a note, and the manual gas test (人工气体检测) that the
// gateway asks for while a detector of the site is offline, silent or in fault. The test's fields
// are optional on the form; the server says when they are needed and the dialog shows it.

import { t } from '../i18n.js';
import { formatTime } from '../format.js';
import { openActionDialog } from './action-dialog.js';

/** Units a gas test is read in, as the gateway accepts them (gateway/src/orders/gas-test.ts). */
const UNITS = ['%LEL', 'ppm', '%vol'];

/** "2026-12-07T22:40" in the browser's time zone, for a datetime-local input. */
function localInputValue(ms) {
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/** The gas test from the form, or undefined when none of its fields were filled. */
export function gasTestFrom(values) {
  const keys = ['gasBy', 'gasInstrument', 'gasReading'];
  if (keys.every((k) => !String(values[k] ?? '').trim())) return undefined;
  const atMs = values.gasAt ? new Date(values.gasAt).getTime() : NaN;
  return {
    by: String(values.gasBy ?? '').trim(),
    instrument: String(values.gasInstrument ?? '').trim(),
    reading: values.gasReading === '' ? NaN : Number(values.gasReading),
    unit: values.gasUnit,
    // Invalid or missing: send what the server will refuse with its own reason, never a made-up time.
    at: Number.isFinite(atMs) ? new Date(atMs).toISOString() : String(values.gasAt ?? ''),
  };
}

/** One line for a lifted order that relied on a manual gas test. */
export function describeGasTest(test) {
  return t('gasTestDone', { reading: test.reading, unit: test.unit, by: test.by, instrument: test.instrument, time: formatTime(test.atMs) });
}

export function openLiftDialog(order, { post, onLifted }) {
  openActionDialog({
    title: t('liftTitle'),
    action: 'lift',
    fields: [
      { name: 'note', label: t('liftNote'), type: 'textarea', required: true },
      { name: 'gasBy', label: t('gasTestBy'), heading: { title: t('gasTestTitle'), text: t('gasTestHint') } },
      { name: 'gasInstrument', label: t('gasTestInstrument') },
      { name: 'gasReading', label: t('gasTestReading'), type: 'number', min: 0, step: 'any' },
      { name: 'gasUnit', label: t('gasTestUnit'), type: 'select', value: '%LEL', options: UNITS.map((u) => ({ value: u, label: u })) },
      { name: 'gasAt', label: t('gasTestAt'), type: 'datetime-local', value: localInputValue(Date.now()) },
    ],
    submit: (v) => {
      const gasTest = gasTestFrom(v);
      return post(`/orders/${encodeURIComponent(order.id)}/lift`, { note: v.note, ...(gasTest ? { gasTest } : {}) }).then(onLifted);
    },
  });
}
