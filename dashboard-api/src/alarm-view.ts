// An alarm as the API answers it: the stored alarm with its kind and what it says, in Chinese and
// English, from the one text per kind that the notifications use too (contract/alarm-text.ts), so
// the page never has to guess what a number means.

import type { Alarm } from '../../gateway/src/alarms/lifecycle.js';
import { alarmKindOfRule, isAlarmKind, type AlarmKind } from '../../gateway/src/contract/alarm-kind.js';
import { alarmTexts, type AlarmTexts } from '../../gateway/src/contract/alarm-text.js';

export type AlarmView = Alarm & { kind: AlarmKind; text: AlarmTexts };

export function alarmView(alarm: Alarm): AlarmView {
  // A row read by column name may predate kinds (null): its rule id says what it is.
  const stored = alarm.kind as string | null | undefined;
  const kind = typeof stored === 'string' && isAlarmKind(stored) ? stored : alarmKindOfRule(alarm.ruleId);
  return { ...alarm, kind, text: alarmTexts({ ...alarm, kind }) };
}
