/**
 * Another API's shape of a template, served at notifyd's `/api/v1/templates` beside its own
 * (compat.ara's `payload_template`). The door that owns the shape adds its write routes at
 * the same paths, chosen by the body (`Route.when`), and stores what it is given as a notifyd
 * template marked with the shape's name; reads of such a template answer in its shape.
 */
import type { TemplateView } from './schemas.js';
import type { StoredTemplate } from './service.js';

export interface TemplateShape {
  /** The mark stored on a template written in this shape (`TemplateData.shape`). */
  name: string;
  /**
   * How a template written in this shape answers (get by id, create, update, list pages):
   * notifyd's fields with the shape's over them (where both name one, the shape's wins), so
   * either API's client can read it.
   */
  view(o: StoredTemplate): Record<string, unknown>;
  /** Fields a list answers beside notifyd's page, from its templates (e.g. Ara's `templates`). */
  beside(items: StoredTemplate[]): Record<string, unknown>;
}

/** A template's view: its shape's when it was written in one served here, else notifyd's. */
export function viewIn(
  shapes: readonly TemplateShape[],
  notifyd: (o: StoredTemplate) => TemplateView,
): (o: StoredTemplate) => TemplateView {
  if (shapes.length === 0) return notifyd;
  return (o) => {
    const shape = o.data.shape ? shapes.find((s) => s.name === o.data.shape) : undefined;
    // Typed as notifyd's view, which a shape's answer carries (with its own fields over it).
    return shape ? (shape.view(o) as TemplateView) : notifyd(o);
  };
}

/** What the shapes answer beside a list page, merged. */
export function besideIn(shapes: readonly TemplateShape[]) {
  if (shapes.length === 0) return undefined;
  return (items: StoredTemplate[]) => Object.assign({}, ...shapes.map((s) => s.beside(items)));
}
