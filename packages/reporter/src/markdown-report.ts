/**
 * `report.md`: each chart (linked PNG beside it), its table of means ± CI,
 * and each finding with its verdict, evidence and mechanism.
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
  type ReportModel,
  type FigureTable
} from './report-model.js'

/** Escapes text for a Markdown table cell or line: pipes, backslashes, newlines, and inline markup. */
export function escapeMarkdown (text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/([|*_`[\]<>#])/g, '\\$1').replace(/\r?\n/g, ' ')
}

function table (t: FigureTable): string[] {
  const lines = [`| ${t.header.map(escapeMarkdown).join(' | ')} |`, `|${t.header.map(() => ' --- ').join('|')}|`]
  for (const row of t.rows) lines.push(`| ${row.map(escapeMarkdown).join(' | ')} |`)
  return lines
}

export function markdownReport (model: ReportModel): string {
  const { resultSet: rs, counts } = model
  const out: string[] = []
  out.push('# Xenos experiment report', '')
  out.push(`- Backend: ${escapeMarkdown(rs.backend)}`)
  out.push(`- Platform: ${escapeMarkdown(rs.platform.name)} (${escapeMarkdown(rs.platform.file)}, sha256 ${rs.platform.sha256})`)
  for (const a of rs.platform.assumptions ?? []) out.push(`  - ${escapeMarkdown(a)}`)
  const commit = rs.software.gitCommit === undefined ? '' : ` (commit ${escapeMarkdown(rs.software.gitCommit)})`
  out.push(`- Software: ${escapeMarkdown(rs.software.name)} ${escapeMarkdown(rs.software.version)}${commit}`)
  out.push(`- Started: ${escapeMarkdown(rs.startedAt ?? 'not recorded')}`)
  out.push(`- Runs: ${rs.runs.length}; seeds: ${[...new Set(rs.runs.map(r => r.seed))].sort((a, b) => a - b).join(', ') || 'none'}`)
  out.push(`- Findings: ${counts.pass} PASS, ${counts.fail} FAIL, ${counts.skipped} SKIPPED`)
  out.push(`- Sensitivity: ${escapeMarkdown(sensitivityCounts(model) ?? 'not computed')}`)
  out.push('- Data: [results.csv](results.csv) (one row per run), [summary.csv](summary.csv) (mean, sd, 95% CI per point)', '')

  if (model.findings.length > 0) {
    out.push('## Findings at a glance', '', escapeMarkdown(FINDINGS_SCOPE), '', '| ID | Finding | Status | Sensitivity |', '| --- | --- | --- | --- |')
    for (const f of model.findings) {
      const basis = calibrated(f) ? ` (${basisLabel(f)})` : ''
      out.push(`| [${escapeMarkdown(f.id)}](#${anchorOf(f.id)}) | ${escapeMarkdown(f.title)} | **${f.status}**${basis} | ${sensitivityLabel(model, f.id)} |`)
    }
    out.push('')
  }

  out.push('## Figures', '')
  for (const section of model.figures) {
    out.push(`### ${escapeMarkdown(section.spec.title)}`, '')
    out.push(`![${escapeMarkdown(section.spec.title)}](${section.pngFile})`, '')
    out.push(`Experiment \`${section.spec.experiment}\`, metric \`${section.spec.metric}\``
      + `${section.spec.lowerIsBetter ? ' (lower is better)' : ' (higher is better)'}.`
      + ' Cells: mean ± half width of the 95% confidence interval (Student t), number of runs.', '')
    if (section.data.pointCount === 0) out.push('**No data**: the results hold no runs for this figure.', '')
    for (const t of section.tables) {
      if (section.tables.length > 1) out.push(`**${escapeMarkdown(t.caption)}**`, '')
      out.push(...table(t), '')
    }
  }

  if (model.findings.length > 0) {
    out.push('## Findings', '')
    const method = model.sensitivity === undefined ? SENSITIVITY_NOT_RUN : sensitivityMethod(model.sensitivity)
    out.push(`**Sensitivity to the estimated inputs**: ${escapeMarkdown(method)}`, '')
    for (const f of model.findings) {
      out.push(`<a id="${anchorOf(f.id)}"></a>`, '')
      const fragile = findingSensitivity(model, f.id)?.fragile === true ? ', fragile' : ''
      out.push(`### ${escapeMarkdown(f.id)}: ${escapeMarkdown(f.title)} (${f.status}${fragile})`, '')
      out.push(`- **Claim**: ${escapeMarkdown(f.statement)}`)
      out.push(`- **Status**: ${f.status}`)
      if (calibrated(f)) out.push(`- **Basis**: ${escapeMarkdown(basisDetail(f))}`)
      out.push(`- **Evidence**: ${escapeMarkdown(f.evidence)}`)
      out.push(`- **Mechanism**: ${escapeMarkdown(f.mechanism)}`)
      if (f.reason !== undefined) out.push(`- **Reason**: ${escapeMarkdown(f.reason)}`)
      const sens = findingSensitivity(model, f.id)
      const why = notAnalysedWhy(model, f.id)
      if (sens !== undefined) {
        out.push(`- **Sensitivity (${sens.fragile ? 'fragile' : 'robust'})**: ${escapeMarkdown(sens.sentence)}`, '',
          `![${escapeMarkdown(f.id)} sensitivity](${tornadoFile(f.id)})`)
      } else if (why !== undefined) {
        out.push(`- **Sensitivity**: ${escapeMarkdown(why)}`)
      }
      out.push('')
    }
  }

  if (model.sensitivity !== undefined) {
    out.push('## Estimated inputs', '', 'Every value of the platform and cost files that is an estimate (not measured on the paper\'s hardware, not read from'
    + ' a data sheet or from Hadoop\'s code), with the range its source allows and the findings whose verdict it flips within that range.', '',
    ...table(estimatesTable(model.sensitivity)), '')
  }

  if (model.other.rows.length > 0) {
    out.push('## Other measurements', '', ...table(model.other), '')
  }
  return out.join('\n')
}
