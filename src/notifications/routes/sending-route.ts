import { routeGroup } from '../../http/route.js';

/** A sending route: tagged `sending`, for services with an API key of `notifications:send`. */
export const sendingRoute = routeGroup('sending', { kind: 'key', scope: 'notifications:send' });
