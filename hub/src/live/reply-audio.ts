/**
 * The audio of the latest replies, kept in memory so the dashboard can play back what a
 * satellite said: the last `maxSessions` sessions, each cut at `maxSeconds`. Nothing of the
 * user's own voice is kept, only the hub's speech.
 */
import { concatPcm, encodeWav, type AudioChunk } from '@jarvis/protocol';

interface Clip {
  rate: number;
  samples: number;
  parts: Int16Array[];
}

export class ReplyAudio {
  private readonly clips = new Map<string, Clip>();

  constructor(
    private readonly maxSessions = 50,
    private readonly maxSeconds = 60,
  ) {}

  add(sessionId: string, chunk: AudioChunk): void {
    let clip = this.clips.get(sessionId);
    if (!clip) {
      clip = { rate: chunk.rate, samples: 0, parts: [] };
      this.clips.set(sessionId, clip);
      // Oldest first in a Map: drop from the front.
      for (const id of this.clips.keys()) {
        if (this.clips.size <= this.maxSessions) break;
        this.clips.delete(id);
      }
    }
    // A chime or a later sentence at another rate is not mixed in.
    if (chunk.rate !== clip.rate || clip.samples >= clip.rate * this.maxSeconds) return;
    clip.parts.push(chunk.pcm);
    clip.samples += chunk.pcm.length;
  }

  has(sessionId: string): boolean {
    return (this.clips.get(sessionId)?.samples ?? 0) > 0;
  }

  /** The reply as a mono WAV file, if it is still kept. */
  wav(sessionId: string): Uint8Array | undefined {
    const clip = this.clips.get(sessionId);
    if (!clip || clip.samples === 0) return undefined;
    return encodeWav({ rate: clip.rate, channels: 1, pcm: concatPcm(clip.parts) });
  }
}
