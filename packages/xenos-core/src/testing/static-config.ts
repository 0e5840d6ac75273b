/**
 * A configuration source that gives fixed templates and services, as a
 * host's services directory would: tests change `templates` or `services`
 * and reload.
 */
import type { ServiceConfig, ServiceConfigSource, TemplateConfig } from '../coordinator/index.js'

export function staticConfig (
  templates: TemplateConfig[], services: ServiceConfig[] = []
): ServiceConfigSource & { templates: TemplateConfig[], services: ServiceConfig[] } {
  const src = { templates, services, load: async () => ({ templates: src.templates, services: src.services, problems: [] }) }
  return src
}
