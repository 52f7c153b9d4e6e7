/** The inbox's words, per language. `locale` picks one; English fills any gap. */
export interface InboxStrings {
  title: string;
  /** The bell's label: `count` unread. */
  bell: (count: number) => string;
  all: string;
  unread: string;
  markAllRead: string;
  markRead: string;
  dismiss: string;
  loadMore: string;
  loading: string;
  empty: string;
  emptyUnread: string;
  offline: string;
  error: string;
  retry: string;
  close: string;
  newNotification: (title: string) => string;
  unreadItem: string;
  signedOut: string;
  /** A group of notifications: who it is about, `actors` names (most recent first) of `total`. */
  actors: (names: string[], total: number) => string;
  /** A group without actors: `count` notifications. */
  groupCount: (count: number) => string;
  preferences: string;
  back: string;
  channelsPerCategory: string;
  category: string;
  allCategories: string;
  channel: Record<string, string>;
  required: string;
  requiredHint: string;
  noCategories: string;
  quietHours: string;
  quietEnabled: string;
  from: string;
  to: string;
  timeZone: string;
  days: string;
  digest: string;
  digestEnabled: string;
  frequency: string;
  frequencies: Record<'hourly' | 'daily' | 'weekly', string>;
  at: string;
  on: string;
  save: string;
  saved: string;
  saveFailed: (reason: string) => string;
  pickADay: string;
  preferencesError: string;
  push: {
    title: string;
    unsupported: string;
    unavailable: string;
    denied: string;
    off: string;
    on: string;
    turnOn: string;
    turnOff: string;
    working: string;
    failed: (reason: string) => string;
  };
}

const en: InboxStrings = {
  title: 'Notifications',
  bell: (n) => (n === 0 ? 'Notifications' : `Notifications, ${n} unread`),
  all: 'All',
  unread: 'Unread',
  markAllRead: 'Mark all as read',
  markRead: 'Mark as read',
  dismiss: 'Dismiss',
  loadMore: 'Load more',
  loading: 'Loading…',
  empty: 'You are all caught up.',
  emptyUnread: 'No unread notifications.',
  offline: 'Offline: reconnecting…',
  error: 'Notifications could not be loaded.',
  retry: 'Try again',
  close: 'Close',
  newNotification: (t) => `New notification: ${t}`,
  unreadItem: 'Unread',
  signedOut: 'Sign in to see your notifications.',
  actors: (names, total) =>
    total <= 1
      ? names[0]
      : total === 2 && names.length === 2
        ? `${names[0]} and ${names[1]}`
        : `${names[0]} and ${total - 1} ${total - 1 === 1 ? 'other' : 'others'}`,
  groupCount: (n) => `${n} notifications`,
  preferences: 'Preferences',
  back: 'Back to notifications',
  channelsPerCategory: 'Channels per category',
  category: 'Category',
  allCategories: 'All categories',
  channel: { in_app: 'In-app', email: 'Email', push: 'Push', sms: 'SMS', webhook: 'Webhook' },
  required: 'Required',
  requiredHint: 'These notifications cannot be turned off.',
  noCategories: 'No categories yet.',
  quietHours: 'Quiet hours',
  quietEnabled: 'Hold notifications during quiet hours',
  from: 'From',
  to: 'To',
  timeZone: 'Time zone',
  days: 'Days',
  digest: 'Digest',
  digestEnabled: 'Bundle notifications into a digest',
  frequency: 'How often',
  frequencies: { hourly: 'Hourly', daily: 'Daily', weekly: 'Weekly' },
  at: 'At',
  on: 'On',
  save: 'Save',
  saved: 'Saved.',
  saveFailed: (reason) => `Not saved: ${reason}`,
  pickADay: 'Choose at least one day.',
  preferencesError: 'Preferences could not be loaded.',
  push: {
    title: 'Push notifications',
    unsupported: 'This browser cannot receive push notifications.',
    unavailable: 'Push notifications are not available on this page.',
    denied: 'Notifications are blocked for this site in the browser’s settings.',
    off: 'Get notifications on this device even when the app is closed.',
    on: 'Push notifications are on for this browser.',
    turnOn: 'Turn on',
    turnOff: 'Turn off',
    working: 'One moment…',
    failed: (reason) => `Push notifications could not be changed: ${reason}`,
  },
};

const fr: InboxStrings = {
  title: 'Notifications',
  bell: (n) => (n === 0 ? 'Notifications' : `Notifications, ${n} non lue${n > 1 ? 's' : ''}`),
  all: 'Toutes',
  unread: 'Non lues',
  markAllRead: 'Tout marquer comme lu',
  markRead: 'Marquer comme lue',
  dismiss: 'Masquer',
  loadMore: 'Afficher plus',
  loading: 'Chargement…',
  empty: 'Vous êtes à jour.',
  emptyUnread: 'Aucune notification non lue.',
  offline: 'Hors ligne : reconnexion…',
  error: 'Impossible de charger les notifications.',
  retry: 'Réessayer',
  close: 'Fermer',
  newNotification: (t) => `Nouvelle notification : ${t}`,
  unreadItem: 'Non lue',
  signedOut: 'Connectez-vous pour voir vos notifications.',
  actors: (names, total) =>
    total <= 1
      ? names[0]
      : total === 2 && names.length === 2
        ? `${names[0]} et ${names[1]}`
        : `${names[0]} et ${total - 1} ${total - 1 === 1 ? 'autre personne' : 'autres personnes'}`,
  groupCount: (n) => `${n} notifications`,
  preferences: 'Préférences',
  back: 'Retour aux notifications',
  channelsPerCategory: 'Canaux par catégorie',
  category: 'Catégorie',
  allCategories: 'Toutes les catégories',
  channel: {
    in_app: 'Dans l’app',
    email: 'E-mail',
    push: 'Push',
    sms: 'SMS',
    webhook: 'Webhook',
  },
  required: 'Obligatoire',
  requiredHint: 'Ces notifications ne peuvent pas être désactivées.',
  noCategories: 'Aucune catégorie pour l’instant.',
  quietHours: 'Heures calmes',
  quietEnabled: 'Retenir les notifications pendant les heures calmes',
  from: 'De',
  to: 'À',
  timeZone: 'Fuseau horaire',
  days: 'Jours',
  digest: 'Résumé',
  digestEnabled: 'Regrouper les notifications dans un résumé',
  frequency: 'Fréquence',
  frequencies: { hourly: 'Toutes les heures', daily: 'Chaque jour', weekly: 'Chaque semaine' },
  at: 'À',
  on: 'Le',
  save: 'Enregistrer',
  saved: 'Enregistré.',
  saveFailed: (reason) => `Non enregistré : ${reason}`,
  pickADay: 'Choisissez au moins un jour.',
  preferencesError: 'Impossible de charger les préférences.',
  push: {
    title: 'Notifications push',
    unsupported: 'Ce navigateur ne peut pas recevoir de notifications push.',
    unavailable: 'Les notifications push ne sont pas disponibles sur cette page.',
    denied: 'Les notifications sont bloquées pour ce site dans les réglages du navigateur.',
    off: 'Recevez les notifications sur cet appareil même quand l’app est fermée.',
    on: 'Les notifications push sont activées pour ce navigateur.',
    turnOn: 'Activer',
    turnOff: 'Désactiver',
    working: 'Un instant…',
    failed: (reason) => `Impossible de modifier les notifications push : ${reason}`,
  },
};

const LANGUAGES: Record<string, InboxStrings> = { en, fr };

/** The strings for a BCP 47 tag (`fr-CA` → French), English when the language is not shipped. */
export function stringsFor(locale: string): InboxStrings {
  const language = locale.toLowerCase().split('-')[0];
  return LANGUAGES[language] ?? en;
}

/** "3 min ago" in the locale's words; "now" under a minute. */
export function relativeTime(iso: string, locale: string, now: number = Date.now()): string {
  const seconds = Math.round((Date.parse(iso) - now) / 1000);
  const format = new Intl.RelativeTimeFormat(locale, { numeric: 'auto', style: 'short' });
  const abs = Math.abs(seconds);
  if (abs < 60) return format.format(0, 'second');
  if (abs < 3600) return format.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return format.format(Math.round(seconds / 3600), 'hour');
  if (abs < 86400 * 30) return format.format(Math.round(seconds / 86400), 'day');
  return new Date(iso).toLocaleDateString(locale);
}
