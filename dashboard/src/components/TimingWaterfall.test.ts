// @vitest-environment happy-dom
import { mount } from '@vue/test-utils';
import { describe, expect, it } from 'vitest';
import TimingWaterfall from './TimingWaterfall.vue';

const bar = (wrapper: ReturnType<typeof mount>, stage: string) => {
  const rect = wrapper.find(`[data-testid="waterfall-bar-${stage}"]`);
  return rect.exists()
    ? { x: Number(rect.attributes('x')), width: Number(rect.attributes('width')) }
    : null;
};

describe('TimingWaterfall', () => {
  it('draws bars proportional to the stage timings, each after the one before', () => {
    const chart = mount(TimingWaterfall, {
      props: {
        timings: {
          endpointMs: 400,
          sttMs: 200,
          intentMs: 100,
          actionMs: 100,
          ttsFirstAudioMs: 200,
        },
      },
    });
    const endpoint = bar(chart, 'endpoint')!;
    const stt = bar(chart, 'stt')!;
    const intent = bar(chart, 'intent')!;
    const tts = bar(chart, 'ttsFirstAudio')!;
    expect(endpoint.width / stt.width).toBeCloseTo(2);
    expect(stt.width / intent.width).toBeCloseTo(2);
    expect(stt.x).toBeCloseTo(endpoint.x + endpoint.width);
    expect(intent.x).toBeCloseTo(stt.x + stt.width);
    // Together the bars fill the track: 400 ms of 1000 is 40 %.
    const track = Number(chart.find('.chart-track').attributes('width'));
    expect(endpoint.width / track).toBeCloseTo(0.4);
    expect(tts.x + tts.width).toBeCloseTo(endpoint.x + track);
  });

  it('tolerates missing stages: no bar, a dash, and the rest still drawn', () => {
    const chart = mount(TimingWaterfall, { props: { timings: { endpointMs: 300, sttMs: 100 } } });
    expect(bar(chart, 'intent')).toBeNull();
    expect(bar(chart, 'action')).toBeNull();
    expect(bar(chart, 'ttsFirstAudio')).toBeNull();
    expect(bar(chart, 'endpoint')!.width / bar(chart, 'stt')!.width).toBeCloseTo(3);
    expect(chart.findAll('.chart-value').map((t) => t.text())).toEqual([
      '300 ms',
      '100 ms',
      '—',
      '—',
      '—',
    ]);
    expect(chart.get('[role="img"]').attributes('aria-label')).toContain('Intent not reached');
  });

  it('draws nothing but empty tracks when no stage was timed', () => {
    const chart = mount(TimingWaterfall, { props: { timings: {} } });
    expect(chart.findAll('.chart-bar')).toHaveLength(0);
    expect(chart.findAll('.chart-track')).toHaveLength(5);
  });

  it('shows the total and speech-end-to-audio figures when present', () => {
    const chart = mount(TimingWaterfall, {
      props: { timings: { sttMs: 100, totalMs: 2500, speechEndToFirstAudioMs: 640 } },
    });
    expect(chart.get('figcaption').text()).toContain('Total 2.50 s');
    expect(chart.get('figcaption').text()).toContain('640 ms');
  });
});
