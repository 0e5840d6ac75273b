/**
 * Registers what the service config directory describes: templates first,
 * then services made from them. Each file is taken on its own: a broken
 * file, a template whose images are missing or a service that cannot be
 * created (an unknown template) is reported with its file, line and column
 * (returned, and emitted as a `config-error` event whose detail is the
 * message) and the others still load.
 *
 * A config service already in the registry (a restart, a reload) keeps its
 * id and domain; its groups, attributes, endpoints and owner follow the file.
 */
import { ImageNotFoundError } from '@xenos/hypervisor-interface'
import { createInstance, type InstanceContext } from './instances.js'
import type { ConfigProblem, ServiceConfig, ServiceConfigSource, TemplateConfig } from './ports.js'
import type { TemplateRecord } from './records.js'

export interface ConfigSyncResult {
  templates: string[]
  services: string[]
  problems: ConfigProblem[]
}

/** What loading the config directory uses: what making instances does (a config service is one). */
export type ConfigSyncContext = InstanceContext

export async function syncConfig (ctx: ConfigSyncContext, source: ServiceConfigSource, options: { createMissingImages: boolean }): Promise<ConfigSyncResult> {
  const loaded = await source.load()
  const result: ConfigSyncResult = { templates: [], services: [], problems: [...loaded.problems] }
  for (const t of loaded.templates) {
    try {
      await registerTemplate(ctx, t, options)
      result.templates.push(t.name)
    } catch (err) {
      result.problems.push(problemOf('template', t, err))
    }
  }
  for (const s of loaded.services) {
    try {
      await registerService(ctx, s)
      result.services.push(s.name)
    } catch (err) {
      result.problems.push(problemOf('service', s, err))
    }
  }
  for (const p of result.problems) ctx.events.emit({ kind: 'config-error', subject: p.file, detail: p.message })
  return result
}

/**
 * A file whose content was valid but could not be registered, at the line
 * of the field at fault: `template` for a service whose template is
 * unknown, the item's `name` otherwise.
 */
function problemOf (kind: 'template' | 'service', item: TemplateConfig | ServiceConfig, err: unknown): ConfigProblem {
  const message = err instanceof Error ? err.message : String(err)
  const field = kind === 'service' && err instanceof Error && err.name === 'TemplateNotFoundError' ? 'template' : undefined
  const file = item.at?.file ?? item.source
  const pos = item.at?.fields[field ?? 'name']
  const where = pos === undefined ? file : `${file}:${pos.line}:${pos.column}`
  return {
    file,
    ...(pos === undefined ? {} : { line: pos.line, column: pos.column }),
    ...(field === undefined ? {} : { field }),
    message: field === undefined ? `${where}: ${kind} "${item.name}": ${message}` : `${where}: ${field}: ${message}`
  }
}

async function registerTemplate (ctx: ConfigSyncContext, t: TemplateConfig, options: { createMissingImages: boolean }): Promise<void> {
  for (const img of t.images) {
    try {
      await ctx.driver.imageInfo(img.path)
    } catch (err) {
      if ((err as Error).name !== ImageNotFoundError.name || !options.createMissingImages) throw err
      await ctx.driver.createImage(img.path, img.sizeBytes)
    }
  }
  const record: TemplateRecord = {
    name: t.name,
    spec: t.spec,
    images: t.images,
    defaultGroups: t.groups,
    defaultAttributes: t.attributes,
    endpoints: t.endpoints,
    origin: 'config'
  }
  const known = ctx.registry.findTemplate(t.name)
  await ctx.registry.putTemplate(record)
  if (known === undefined) ctx.events.emit({ kind: 'template-added', subject: t.name })
}

async function registerService (ctx: ConfigSyncContext, s: ServiceConfig): Promise<void> {
  const known = ctx.registry.findService(s.name)
  if (known !== undefined) {
    // As at creation: the template's defaults, then the file's values.
    const t = ctx.registry.findTemplate(known.template)
    const groups = [...new Set([...(t?.defaultGroups ?? []), ...s.groups])]
    const attributes = { ...(t?.defaultAttributes ?? {}), ...s.attributes }
    const endpoints = s.endpoints.length > 0 ? s.endpoints : (t?.endpoints ?? known.endpoints)
    // the file is the policy's source for a service it declares: a policy removed from the file is removed
    const policy = s.restart === undefined ? { restart: undefined } : { restart: s.restart, generation: known.generation ?? 1 }
    await ctx.registry.updateService(known.id, { groups, attributes, endpoints, owner: s.owner, ...policy })
    for (const g of known.groups) if (!groups.includes(g)) await ctx.network?.leaveGroup?.(g, known.id)
    for (const g of groups) await ctx.network?.joinGroup?.(g, known.id)
  } else {
    const rec = await createInstance(ctx, s.template, {
      name: s.name, groups: s.groups, attributes: s.attributes, owner: s.owner, origin: 'config',
      ...(s.endpoints.length > 0 ? { endpoints: s.endpoints } : {}),
      ...(s.id === undefined ? {} : { id: s.id }),
      ...(s.vcpus === undefined ? {} : { vcpus: s.vcpus }),
      ...(s.memoryMiB === undefined ? {} : { memoryMiB: s.memoryMiB }),
      ...(s.restart === undefined ? {} : { restart: s.restart })
    })
    ctx.events.emit({ kind: 'registered', serviceId: rec.id, detail: s.source })
  }
  if (s.autostart) {
    const rec = ctx.registry.service(s.name)
    if (rec.state === 'stopped' || rec.state === 'crashed') {
      const info = await ctx.driver.startDomain(rec.domainName)
      await ctx.registry.updateService(rec.id, { state: info.state })
      ctx.events.emit({ kind: 'started', serviceId: rec.id })
    }
  }
}
