import type {
  CategoryPreference,
  Device,
  NotificationPreferences,
  PreferencesUpdate,
  RegisterDeviceInput,
} from './account-types.js';
import { UserRest } from './user-rest.js';

const PREFS = '/api/v1/me/preferences';
const DEVICES = '/api/v1/me/devices';

/** The user's preferences and push devices over REST, with their JWT. */
export class AccountApi extends UserRest {
  preferences(): Promise<NotificationPreferences> {
    return this.call('GET', PREFS);
  }

  /** Changes the parts given; answers the preferences after. */
  updatePreferences(update: PreferencesUpdate): Promise<NotificationPreferences> {
    return this.call('PUT', PREFS, update);
  }

  /** Back to the defaults (each category's default channels). */
  resetPreferences(): Promise<NotificationPreferences> {
    return this.call('DELETE', PREFS);
  }

  /** One category's channels and mute; a mandatory category refuses opt-outs (403). */
  updateCategoryPreference(
    categoryId: string,
    update: Partial<CategoryPreference>,
  ): Promise<CategoryPreference> {
    return this.call('PUT', `${PREFS}/categories/${encodeURIComponent(categoryId)}`, update);
  }

  async devices(): Promise<Device[]> {
    return (await this.call<{ data: Device[] }>('GET', DEVICES)).data;
  }

  registerDevice(input: RegisterDeviceInput): Promise<Device> {
    return this.call('POST', DEVICES, input);
  }

  updateDevice(id: string, update: Partial<Pick<Device, 'active'>> & Record<string, unknown>) {
    return this.call<Device>('PATCH', `${DEVICES}/${encodeURIComponent(id)}`, update);
  }

  async unregisterDevice(id: string): Promise<void> {
    await this.call('DELETE', `${DEVICES}/${encodeURIComponent(id)}`);
  }
}
