import type { Config } from '../config/options.js';
import type { ModuleContext, NotifydModule } from '../modules/contract.js';
import { TemplateEngine } from './engine.js';
import type { TemplateOptions } from './options.js';
import { templateRoutes } from './routes.js';
import { TemplateService } from './service.js';
import type { TemplateShape } from './shapes.js';

/** The templates module's options, from the configuration. */
export const templatesOptions = (c: Config): TemplateOptions => c.templates;

/**
 * Notification templates: their admin API and the renderer the send pipeline takes as a
 * need (`renderer`, a TemplateRenderer). liquidjs loads on the first parse or render.
 */
export function createTemplatesModule(
  ctx: ModuleContext<TemplateOptions, { shapes?: readonly TemplateShape[] }>,
): NotifydModule<{
  renderer: TemplateService;
  templates: TemplateService;
  engine: TemplateEngine;
}> {
  const engine = new TemplateEngine(ctx.options);
  const templates = new TemplateService(
    ctx.store.objects,
    engine,
    ctx.clock,
    ctx.ids,
    (type, tenant, data) => ctx.bus.emit(type, tenant, data),
    ctx.options.lookup_cache_ms,
  );
  return {
    name: 'templates',
    services: { renderer: templates, templates, engine },
    routes: templateRoutes(templates, ctx.services.shapes ?? []),
  };
}
