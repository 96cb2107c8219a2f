/** The hub's health, engines and latency figures. */
import { api } from './client';
import type { SystemInfo } from './types';

export function fetchSystem(): Promise<SystemInfo> {
  return api.get<SystemInfo>('/v1/system');
}
