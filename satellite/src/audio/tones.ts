/**
 * A short falling two-note tone: what the satellite plays when the hub went away mid-answer,
 * since it cannot speak without the hub.
 */
export function errorTone(rate = 16000): Int16Array {
  const noteMs = 160;
  const notes = [660, 440];
  const perNote = Math.round((rate * noteMs) / 1000);
  const pcm = new Int16Array(perNote * notes.length);
  notes.forEach((hz, n) => {
    for (let i = 0; i < perNote; i++) {
      // 10 ms fades: no clicks.
      const fade = Math.min(1, i / (rate / 100), (perNote - i) / (rate / 100));
      pcm[n * perNote + i] = Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * 9000 * fade);
    }
  });
  return pcm;
}
