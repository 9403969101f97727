// Facts about a noise schedule that explain what a run can and cannot do, recorded once
// per run: how much signal survives the last step, and the signal-to-noise curve.

import type { NoiseSchedule } from '../../shared/noiseSchedules';

export interface ScheduleFacts {
  schedule: NoiseSchedule['name'];
  T: number;
  /**
   * sqrt(alphaBar_{T-1}): the weight of x_0 left in x_{T-1} = sqrt(alphaBar) x_0 + sqrt(1 - alphaBar) eps
   * (Ho et al. 2020 eq. 4). Sampling starts from pure N(0, I), which assumes it is 0;
   * 0.219 for the notebook's T = 300 linear schedule.
   */
  sqrtAlphaBarLast: number;
  /** SNR(t) = alphaBar_t / (1 - alphaBar_t) (Kingma et al. 2021, "Variational Diffusion Models" eq. 2) at evenly spaced t. */
  snr: { t: number[]; value: number[] };
}

/** At most `maxPoints` timesteps from 0 to T-1, evenly spaced, both ends included. */
export function evenlySpacedTimesteps(T: number, maxPoints: number): number[] {
  if (!Number.isInteger(maxPoints) || maxPoints < 2) throw new Error(`maxPoints must be an integer >= 2, got ${maxPoints}`);
  if (T <= maxPoints) return Array.from({ length: T }, (_, t) => t);
  return Array.from({ length: maxPoints }, (_, i) => Math.round((i * (T - 1)) / (maxPoints - 1)));
}

export function scheduleFacts(schedule: NoiseSchedule, maxPoints = 100): ScheduleFacts {
  const t = evenlySpacedTimesteps(schedule.T, maxPoints);
  return {
    schedule: schedule.name,
    T: schedule.T,
    sqrtAlphaBarLast: schedule.sqrtAlphasCumprod[schedule.T - 1]!,
    snr: { t, value: t.map((i) => schedule.signalToNoise[i]!) },
  };
}
