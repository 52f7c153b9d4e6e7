import type { Subscriber } from '../../notifications/ports.js';
import type { DeviceRecord } from '../../recipients/store.js';
import type { Row } from './prepared.js';

const parsed = (v: unknown) => (v === null ? null : JSON.parse(v as string));

/** A subscriber from its row (email_key is the store's, not the subscriber's). */
export function toSubscriber(row: Row): Subscriber {
  const { email_key: _, ...rest } = row;
  return { ...(rest as unknown as Subscriber), data: parsed(row.data) };
}

/** A device from its row (address is the store's index, not the device's). */
export function toDevice(row: Row): DeviceRecord {
  const { address: _, ...rest } = row;
  return {
    ...(rest as unknown as DeviceRecord),
    keys: parsed(row.keys),
    info: parsed(row.info),
    active: row.active === 1,
  };
}
