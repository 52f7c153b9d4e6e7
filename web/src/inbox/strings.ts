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
