/** Sample finding results for the reporter's tests: every status, and text that needs escaping. */
import type { FindingResult } from '@xenos/experiment-interface'

export function sampleFindings (): FindingResult[] {
  return [
    {
      id: 'C1', title: 'Figure 4: PHY beats VM1 for HDFS read and write', statement: 'PHY beats VM1 for HDFS read and for write at 1, 4 and 8 GB.',
      status: 'PASS', evidence: 'write 8 GB: PHY 248.1 s ± 6.2, VM1 327.0 s ± 9.9 | read 8 GB: PHY 152 s, VM1 201 s',
      mechanism: 'Every VM disk and network request crosses the split driver to dom0, which adds a per-request cost.',
      basis: 'consistent-by-calibration', calibratedOn: 'the split driver\'s latency was fitted to these very figures.'
    },
    {
      id: 'C6', title: 'Figure 7: Sort on VM2/VM4 is slower than on VM1', statement: 'Sort on VM2 and VM4 is not faster than on VM1 but markedly slower.',
      status: 'FAIL', evidence: 'VM2 1210 s vs VM1 1180 s: only 2.5% slower, <script>alert(1)</script> & "quoted"',
      mechanism: 'Shuffle traffic of co-located reducers shares one disk.', reason: 'The shuffle model is too optimistic about_disk_seeks.'
    },
    {
      id: 'C11', title: 'Master migration under 5 minutes', statement: 'The master migration takes under 5 minutes.',
      status: 'SKIPPED', evidence: '', mechanism: 'Live migration copies memory pages over the link.', reason: 'The master-migration experiment was not run.'
    }
  ]
}
