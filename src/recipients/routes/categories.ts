import type { EventSink } from '../../events/catalogue.js';
import { objectRoutes } from '../../http/admin-routes.js';
import type { AnyRoute } from '../../http/route.js';
import { crudEvents, type ObjectChangeEvent } from '../../objects/change-events.js';
import { type CategoryService, categoryView, type StoredCategory } from '../categories.js';
import { CategoryView, CreateCategoryBody, UpdateCategoryBody } from '../schemas.js';
import { OBJECT_SCOPES, TAG } from './subscribers.js';

/** `/categories`: the tenant's categories (and, for unbound admin keys, global ones). */
export function categoryRoutes(
  categories: CategoryService,
  emit: EventSink<ObjectChangeEvent>,
): AnyRoute[] {
  return objectRoutes({
    base: '/api/v1/categories',
    tag: TAG,
    scopes: OBJECT_SCOPES,
    noun: 'category',
    view: CategoryView,
    toView: categoryView,
    service: categories,
    create: {
      summary: 'Create a category (its id is a slug you choose)',
      body: CreateCategoryBody,
    },
    list: { summary: "List categories: the tenant's and the global ones" },
    get: { summary: 'Get a category by its slug' },
    update: { summary: 'Change a category (the fields given)', body: UpdateCategoryBody },
    remove: {},
    // The API names a category by its slug.
    changes: crudEvents(emit, 'notification.category', (o: StoredCategory) => ({
      tenant_id: o.tenant_id,
      id: o.key as string,
      name: o.data.name,
      version: o.version,
    })),
  });
}
