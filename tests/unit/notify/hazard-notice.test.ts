// Golden texts of the hazard ledger's deadline notices, each kind in both languages.

import { describe, expect, it } from 'vitest';
import { renderHazardNotice, type HazardNoticeInput } from '../../../gateway/src/notify/hazard-notice.js';

const DEADLINE_MS = Date.UTC(2026, 11, 15, 16); // 2026-12-16 00:00 Shanghai: the end of 2026-12-15
const base: Omit<HazardNoticeInput, 'kind' | 'language' | 'atMs'> = {
  hazard: { id: 'HZ-1', description: '软管老化开裂', location: '后厨灶台', grade: 'major', responsible: '陈老板', deadlineDate: '2026-12-15', deadlineMs: DEADLINE_MS },
  siteName: '示范餐馆后厨',
  timeZone: 'Asia/Shanghai',
  publicUrl: 'https://s.example.cn/',
};

describe('hazard deadline notices', () => {
  it('reminds the person responsible, in Chinese', () => {
    const m = renderHazardNotice({ ...base, kind: 'hazard_reminder', language: 'zh', atMs: DEADLINE_MS - 20 * 3_600_000 });
    expect(m.text).toBe(
      [
        '【隐患整改即将到期】示范餐馆后厨 重大隐患，剩余约 20 小时',
        '隐患编号：HZ-1',
        '隐患描述：软管老化开裂',
        '位置：后厨灶台',
        '整改责任人：陈老板',
        '整改期限：2026-12-15 (截止 2026-12-16 00:00:00 Asia/Shanghai)',
        '时间：2026-12-15 04:00:00 (Asia/Shanghai)',
        '请按期完成整改并申请验收；确需延期的，请在到期前申请延期并说明理由。',
        '查看隐患：https://s.example.cn/#/hazards/HZ-1',
      ].join('\n'),
    );
  });

  it('tells the roster of an overdue hazard, in English', () => {
    const m = renderHazardNotice({ ...base, kind: 'hazard_overdue', language: 'en', atMs: DEADLINE_MS + 3 * 3_600_000 });
    expect(m.title).toBe('[Hazard fix OVERDUE] 示范餐馆后厨: MAJOR hazard, 3 h past its deadline');
    expect(m.text.split('\n').slice(1)).toEqual([
      'Hazard: HZ-1',
      'Description: 软管老化开裂',
      'Location: 后厨灶台',
      'Responsible: 陈老板',
      'Deadline: 2026-12-15 (ends 2026-12-16 00:00:00 Asia/Shanghai)',
      'Time: 2026-12-16 03:00:00 (Asia/Shanghai)',
      'Follow it up: check the site, raise its supervision level or issue a stop-work order as needed.',
      'Open hazard: https://s.example.cn/#/hazards/HZ-1',
    ]);
    expect(renderHazardNotice({ ...base, kind: 'hazard_overdue', language: 'zh', atMs: DEADLINE_MS + 3 * 3_600_000 }).title).toBe('【隐患整改逾期】示范餐馆后厨 重大隐患，已逾期 3 小时');
  });

  it('asks for the stop-work decision on a major hazard without a plan yet', () => {
    const input = { ...base, hazard: { ...base.hazard, responsible: null, deadlineDate: null, deadlineMs: null }, atMs: DEADLINE_MS };
    const zh = renderHazardNotice({ ...input, kind: 'hazard_order_decision', language: 'zh' });
    expect(zh.title).toBe('【重大隐患·待决定停产停工】示范餐馆后厨');
    expect(zh.text).not.toContain('整改期限');
    expect(zh.text).toContain('该重大隐患所在场所无生效的停产停工令：请下达停产停工令，或在隐患台账中记录不下达的理由。');
    const en = renderHazardNotice({ ...input, kind: 'hazard_order_decision', language: 'en' });
    expect(en.title).toBe('[Major hazard · stop-work decision needed] 示范餐馆后厨');
    expect(en.markdown).toContain('[Open hazard](https://s.example.cn/#/hazards/HZ-1)');
  });

  it('escapes the description in HTML', () => {
    const m = renderHazardNotice({ ...base, hazard: { ...base.hazard, description: '<script>x</script>' }, kind: 'hazard_reminder', language: 'en', atMs: DEADLINE_MS - 3_600_000 });
    expect(m.html).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(m.html).not.toContain('<script>');
  });
});
