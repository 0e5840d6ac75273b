import { describe, expect, it } from 'vitest'
import type { FindingResult } from '@xenos/experiment-interface'
import { basisDetail, basisLabel } from './report-model.js'

const finding = (status: FindingResult['status']): FindingResult => ({
  id: 'C10',
  title: 'Deployment with the paper\'s method',
  statement: 'about 45 minutes',
  status,
  evidence: 'e',
  mechanism: 'm',
  basis: 'consistent-by-calibration',
  calibratedOn: 'the concurrency is inferred from the paper\'s 40 MB/s'
} as FindingResult)

describe('the basis of a calibrated finding', () => {
  it('calls a PASS consistency, not a prediction', () => {
    expect(basisLabel(finding('PASS'))).toBe('consistent by calibration')
    expect(basisDetail(finding('PASS'))).toBe('consistent by calibration, not a prediction: the concurrency is inferred from the paper\'s 40 MB/s')
  })

  it('never calls a FAIL consistent', () => {
    expect(basisLabel(finding('FAIL'))).toBe('partly calibrated')
    expect(basisDetail(finding('FAIL'))).not.toMatch(/consistent/)
    expect(basisDetail(finding('FAIL'))).toMatch(/does not hold even so: the concurrency/)
  })
})
