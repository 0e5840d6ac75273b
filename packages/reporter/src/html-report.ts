/**
 * `report.html`: the same content as `report.md`, self-contained: every chart
 * embedded as a `data:image/png;base64` URI, inline CSS, no scripts, no
 * external assets. Opens from disk in any browser.
 */
import {
  anchorOf,
  basisDetail,
  basisLabel,
  calibrated,
  estimatesTable,
  findingSensitivity,
  notAnalysedWhy,
  SENSITIVITY_NOT_RUN,
  sensitivityCounts,
  sensitivityLabel,
  sensitivityMethod,
  tornadoFile,
  FINDINGS_SCOPE,
  type FigureTable,
  type ReportModel
} from './report-model.js'

export function escapeHtml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
}

const CSS = `
body {
  font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; color: #222; background: #fff;
  margin: 0 auto; max-width: 1080px; padding: 24px; line-height: 1.45;
}
h1 { font-size: 1.8em; border-bottom: 2px solid #ddd; padding-bottom: 6px; }
h2 { font-size: 1.4em; margin-top: 2em; border-bottom: 1px solid #e5e5e5; padding-bottom: 4px; }
h3 { font-size: 1.15em; margin-top: 1.6em; }
dl.context { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; }
dl.context dt { font-weight: bold; }
dl.context dd { margin: 0; overflow-wrap: anywhere; }
figure { margin: 12px 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #e5e5e5; }
figcaption { font-size: 0.9em; color: #555; }
table { border-collapse: collapse; margin: 8px 0 16px; font-size: 0.92em; }
caption { text-align: left; font-weight: bold; padding: 4px 0; }
th, td { border: 1px solid #d5d5d5; padding: 4px 10px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #f3f3f3; }
.status { display: inline-block; min-width: 5.5em; text-align: center; font-weight: bold; border-radius: 4px; padding: 1px 8px; color: #fff; }
.status-PASS { background: #2e7d32; }
.status-FAIL { background: #c62828; }
.status-SKIPPED { background: #757575; }
.status-fragile { background: #ef6c00; }
.finding { border: 1px solid #e0e0e0; border-left: 6px solid #999; border-radius: 4px; padding: 4px 16px 8px; margin: 14px 0; }
.finding.PASS { border-left-color: #2e7d32; }
.finding.FAIL { border-left-color: #c62828; }
.finding dt { font-weight: bold; margin-top: 6px; }
.finding dd { margin-left: 0; }
.nodata { color: #c62828; font-weight: bold; }
`

function table (t: FigureTable, withCaption: boolean): string {
  const head = `<thead><tr>${t.header.map(h => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead>`
  const body = t.rows.map(r => `<tr>${r.map(c => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n')
  return `<table>${withCaption ? `<caption>${escapeHtml(t.caption)}</caption>` : ''}${head}<tbody>\n${body}\n</tbody></table>`
}

function status (s: string): string {
  return `<span class="status status-${escapeHtml(s)}">${escapeHtml(s)}</span>`
}

/** @param pngs the PNG bytes of each figure, by figure id */
export function htmlReport (model: ReportModel, pngs: ReadonlyMap<string, Buffer>): string {
  const { resultSet: rs, counts } = model
  const out: string[] = []
  out.push('<!DOCTYPE html>', '<html lang="en">', '<head>', '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>Xenos experiment report</title>', `<style>${CSS}</style>`, '</head>', '<body>')
  out.push('<h1>Xenos experiment report</h1>', '<dl class="context">')
  const ctx: Array<[string, string]> = [
    ['Backend', rs.backend],
    ['Platform', `${rs.platform.name} (${rs.platform.file}, sha256 ${rs.platform.sha256})`],
    ...(rs.platform.assumptions ?? []).map((a): [string, string] => ['Assumes', a]),
    ['Software', `${rs.software.name} ${rs.software.version}${rs.software.gitCommit === undefined ? '' : ` (commit ${rs.software.gitCommit})`}`],
    ['Started', rs.startedAt ?? 'not recorded'],
    ['Runs', `${rs.runs.length}; seeds ${[...new Set(rs.runs.map(r => r.seed))].sort((a, b) => a - b).join(', ') || 'none'}`],
    ['Findings', `${counts.pass} PASS, ${counts.fail} FAIL, ${counts.skipped} SKIPPED`],
    ['Sensitivity', sensitivityCounts(model) ?? 'not computed'],
    ['Data', 'results.csv (one row per run) and summary.csv (mean, sd, 95% CI per point), beside this file']
  ]
  for (const [k, v] of ctx) out.push(`<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`)
  out.push('</dl>')

  if (model.findings.length > 0) {
    out.push('<h2>Findings at a glance</h2>', `<p>${escapeHtml(FINDINGS_SCOPE)}</p>`,
      '<table><thead><tr><th>ID</th><th>Finding</th><th>Status</th><th>Sensitivity</th></tr></thead><tbody>')
    for (const f of model.findings) {
      const basis = calibrated(f) ? ` ${escapeHtml(basisLabel(f))}` : ''
      out.push(`<tr><td><a href="#${anchorOf(f.id)}">${escapeHtml(f.id)}</a></td><td>${escapeHtml(f.title)}</td><td>${status(f.status)}${basis}</td>`
        + `<td>${escapeHtml(sensitivityLabel(model, f.id))}</td></tr>`)
    }
    out.push('</tbody></table>')
  }

  out.push('<h2>Figures</h2>')
  for (const section of model.figures) {
    const { spec } = section
    out.push(`<section id="${anchorOf(spec.id, 'figure')}">`, `<h3>${escapeHtml(spec.title)}</h3>`)
    const png = pngs.get(spec.id)
    if (png !== undefined) {
      out.push(`<figure><img alt="${escapeHtml(spec.title)}" src="data:image/png;base64,${png.toString('base64')}">`,
        `<figcaption>Experiment ${escapeHtml(spec.experiment)}, metric ${escapeHtml(spec.metric)}`
        + `${spec.lowerIsBetter ? ' (lower is better)' : ' (higher is better)'}.`
        + ' Bars: mean; whiskers: 95% confidence interval (Student t).</figcaption></figure>')
    }
    if (section.data.pointCount === 0) out.push('<p class="nodata">No data: the results hold no runs for this figure.</p>')
    for (const t of section.tables) out.push(table(t, true))
    out.push('</section>')
  }

  if (model.findings.length > 0) {
    out.push('<h2>Findings</h2>')
    const method = model.sensitivity === undefined ? SENSITIVITY_NOT_RUN : sensitivityMethod(model.sensitivity)
    out.push(`<p><b>Sensitivity to the estimated inputs</b>: ${escapeHtml(method)}</p>`)
    for (const f of model.findings) {
      out.push(`<div class="finding ${escapeHtml(f.status)}" id="${anchorOf(f.id)}">`,
        `<h3>${escapeHtml(f.id)}: ${escapeHtml(f.title)} ${status(f.status)}`
        + `${findingSensitivity(model, f.id)?.fragile === true ? ' <span class="status status-fragile">fragile</span>' : ''}</h3>`, '<dl>',
        `<dt>Claim</dt><dd>${escapeHtml(f.statement)}</dd>`,
        ...(calibrated(f) ? [`<dt>Basis</dt><dd>${escapeHtml(basisDetail(f))}</dd>`] : []),
        `<dt>Evidence</dt><dd>${escapeHtml(f.evidence)}</dd>`,
        `<dt>Mechanism</dt><dd>${escapeHtml(f.mechanism)}</dd>`)
      if (f.reason !== undefined) out.push(`<dt>Reason</dt><dd>${escapeHtml(f.reason)}</dd>`)
      const sens = findingSensitivity(model, f.id)
      const why = notAnalysedWhy(model, f.id)
      const tornado = pngs.get(tornadoFile(f.id))
      if (sens !== undefined) {
        out.push(`<dt>Sensitivity (${sens.fragile ? 'fragile' : 'robust'})</dt><dd>${escapeHtml(sens.sentence)}`
          + `${tornado === undefined ? '' : `<br><img alt="${escapeHtml(f.id)} sensitivity" src="data:image/png;base64,${tornado.toString('base64')}">`}</dd>`)
      } else if (why !== undefined) {
        out.push(`<dt>Sensitivity</dt><dd>${escapeHtml(why)}</dd>`)
      }
      out.push('</dl>', '</div>')
    }
  }

  if (model.sensitivity !== undefined) {
    out.push('<h2>Estimated inputs</h2>', '<p>Every value of the platform and cost files that is an estimate (not measured on the paper\'s hardware,'
    + ' not read from a data sheet or from Hadoop\'s code), with the range its source allows and the findings whose verdict it flips within that range.</p>',
    table(estimatesTable(model.sensitivity), false))
  }

  if (model.other.rows.length > 0) out.push('<h2>Other measurements</h2>', table(model.other, false))
  out.push('</body>', '</html>', '')
  return out.join('\n')
}
