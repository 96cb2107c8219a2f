/** Devices the hub controls, and commands to them. */
import { api } from './client';
import type { Device, DeviceCommand } from './types';

export async function listDevices(): Promise<Device[]> {
  return (await api.get<{ devices: Device[] }>('/v1/devices')).devices;
}

/** Publishes the command; the new state arrives later as a `device` event. */
export function sendDeviceCommand(id: string, command: DeviceCommand): Promise<unknown> {
  return api.post(`/v1/devices/${encodeURIComponent(id)}/command`, command);
}
