/**
 * The embeddable inbox: `<script type="module" src="https://notifyd.example/ui/inbox.js">`
 * defines `<notifyd-inbox>`. See docs/web.md for its attributes, events and styling.
 */
import { NotifydInbox } from './inbox/element.js';

if (!customElements.get('notifyd-inbox')) customElements.define('notifyd-inbox', NotifydInbox);

export { NotifydInbox };
