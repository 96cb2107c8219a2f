// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { sessionQuery } from './sessions';

describe('sessionQuery', () => {
  it('leaves out empty filters', () => {
    expect(sessionQuery({})).toBe('');
    expect(sessionQuery({ q: '   ', satellite: '', outcome: '' })).toBe('');
  });

  it('encodes every filter', () => {
    expect(
      sessionQuery({
        satellite: 'kitchen-1',
        outcome: 'not-understood',
        q: ' lights & fans ',
        limit: 25,
        before: '2025-01-02T10:00:00.000Z',
      }),
    ).toBe(
      '?satellite=kitchen-1&outcome=not-understood&q=lights+%26+fans&limit=25&before=2025-01-02T10%3A00%3A00.000Z',
    );
  });
});
