import { describe, expect, it } from 'vitest';
import { claimRank, WakeArbiter } from './arbiter.js';

function clock() {
  let t = 1000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('WakeArbiter', () => {
  it('a lone wake-up wins at once', () => {
    const arbiter = new WakeArbiter<string>(400);
    expect(arbiter.claim({ satelliteId: 'a', score: 0.9, energyDb: -30 }, 'A')).toEqual({
      won: true,
    });
  });

  it('a weaker claim inside the window loses; the leader keeps its session', () => {
    const c = clock();
    const arbiter = new WakeArbiter<string>(400, c.now);
    arbiter.claim({ satelliteId: 'kitchen', score: 0.99, energyDb: -20 }, 'K');
    c.advance(150);
    expect(arbiter.claim({ satelliteId: 'hall', score: 0.99, energyDb: -32 }, 'H')).toEqual({
      won: false,
    });
  });

  it('a stronger claim inside the window displaces the leader', () => {
    const c = clock();
    const arbiter = new WakeArbiter<string>(400, c.now);
    arbiter.claim({ satelliteId: 'hall', score: 0.97, energyDb: -35 }, 'H');
    c.advance(200);
    expect(arbiter.claim({ satelliteId: 'kitchen', score: 0.95, energyDb: -22 }, 'K')).toEqual({
      won: true,
      displaced: 'H',
    });
    // A third, between the two, loses to the new leader.
    c.advance(100);
    expect(arbiter.claim({ satelliteId: 'den', score: 0.99, energyDb: -28 }, 'D').won).toBe(false);
  });

  it('after the window a wake-up starts a new round, whatever its strength', () => {
    const c = clock();
    const arbiter = new WakeArbiter<string>(400, c.now);
    arbiter.claim({ satelliteId: 'kitchen', score: 1, energyDb: -10 }, 'K');
    c.advance(401);
    expect(arbiter.claim({ satelliteId: 'hall', score: 0.6, energyDb: -50 }, 'H').won).toBe(true);
  });

  it('the same satellite waking again is a new utterance, not a rival', () => {
    const c = clock();
    const arbiter = new WakeArbiter<string>(400, c.now);
    arbiter.claim({ satelliteId: 'kitchen', score: 1, energyDb: -10 }, 'K1');
    c.advance(100);
    expect(arbiter.claim({ satelliteId: 'kitchen', score: 0.7, energyDb: -40 }, 'K2')).toEqual({
      won: true,
    });
  });

  it('judges by when the words were heard, not when a busy satellite reported them', () => {
    const c = clock();
    const arbiter = new WakeArbiter<string>(400, c.now);
    arbiter.claim({ satelliteId: 'hall', score: 0.5, energyDb: -40, heardAt: 1000 }, 'H');
    c.advance(700);
    // Reported 700 ms later, heard 100 ms later: the same utterance, and heard better.
    expect(
      arbiter.claim({ satelliteId: 'kitchen', score: 0.9, energyDb: -20, heardAt: 1100 }, 'K'),
    ).toEqual({ won: true, displaced: 'H' });
    // Heard 600 ms after the first: another utterance.
    expect(
      arbiter.claim({ satelliteId: 'den', score: 0.1, energyDb: -70, heardAt: 1600 }, 'D').won,
    ).toBe(true);
  });

  it('a clock far off is clamped to the arrival time', () => {
    const c = clock();
    const arbiter = new WakeArbiter<string>(400, c.now);
    arbiter.claim({ satelliteId: 'a', score: 1, energyDb: -10, heardAt: 1000 }, 'A');
    c.advance(3000);
    // Claims to have heard it at the same moment as A, but arrives 3 s later: a new round.
    expect(
      arbiter.claim({ satelliteId: 'b', score: 0.2, energyDb: -60, heardAt: 1000 }, 'B').won,
    ).toBe(true);
  });

  it('window 0 turns arbitration off', () => {
    const arbiter = new WakeArbiter<string>(0);
    arbiter.claim({ satelliteId: 'a', score: 1, energyDb: -10 }, 'A');
    expect(arbiter.claim({ satelliteId: 'b', score: 0.5, energyDb: -60 }, 'B').won).toBe(true);
  });

  it('loudness outweighs small score differences; equal loudness falls to the score', () => {
    expect(claimRank({ satelliteId: 'a', score: 0.4, energyDb: -20 })).toBeGreaterThan(
      claimRank({ satelliteId: 'b', score: 1, energyDb: -27 }),
    );
    expect(claimRank({ satelliteId: 'a', score: 0.99, energyDb: -30 })).toBeGreaterThan(
      claimRank({ satelliteId: 'b', score: 0.8, energyDb: -30 }),
    );
    // A satellite that does not report loudness ranks as a quiet one.
    expect(claimRank({ satelliteId: 'a', score: 1 })).toBeLessThan(
      claimRank({ satelliteId: 'b', score: 0.9, energyDb: -40 }),
    );
  });
});
